package dev.backlogsentinel.agent.policy;

import dev.backlogsentinel.api.ListenerState;
import dev.backlogsentinel.api.policy.BacklogPolicySpec;
import dev.backlogsentinel.api.policy.PolicyValidation;

import java.time.Duration;
import java.time.Instant;

/**
 * The state of one listener under one policy (DESIGN.md "States of one listener").
 * <ul>
 * <li>OK → Warning when usage stays at or above warningPercent for sustainFor.</li>
 * <li>→ Saturated when usage stays at or above criticalPercent for sustainFor; at once when the
 * queue is full, or when the namespace's overflow rate reaches overflowsPerMinute while the
 * listener is at or near its limit (at or above warningPercent).</li>
 * <li>Back to OK only after staying below warningPercent for sustainFor; until then a Saturated
 * listener stays Saturated (no flapping through Warning on the way down).</li>
 * </ul>
 * A state outlives the agent ({@link #resume}) and an edit of its policy ({@link #under}).
 * Not thread-safe: one scan at a time.
 */
public final class ListenerStateMachine {

    private final BacklogPolicySpec policy;
    private final Duration sustain;
    private ListenerState state = ListenerState.OK;
    private Instant since;
    private Instant atOrAboveWarningSince;
    private Instant atOrAboveCriticalSince;
    private Instant belowWarningSince;
    private long peakDepth;

    public ListenerStateMachine(BacklogPolicySpec policy) {
        this.policy = policy;
        this.sustain = PolicyValidation.parseDuration(policy.getSustainFor());
    }

    /**
     * A listener's state as an earlier agent left it (its node's report): the same state and
     * since, as if it had been above the state's threshold since then. A restart then announces
     * nothing: a queue still saturated stays Saturated since the same instant, and one that drained
     * while no agent ran recovers after sustainFor below warning, as any other.
     */
    public static ListenerStateMachine resume(BacklogPolicySpec policy, ListenerState state, Instant since, long peakDepth) {
        ListenerStateMachine m = new ListenerStateMachine(policy);
        if (state != ListenerState.OK && since != null) {
            m.state = state;
            m.since = since;
            m.peakDepth = peakDepth;
            m.atOrAboveWarningSince = since;
            m.atOrAboveCriticalSince = state == ListenerState.Saturated ? since : null;
        }
        return m;
    }

    /**
     * This listener under an edited policy: its state, since and timers carry over, and the new
     * thresholds and sustainFor apply from the next observation. An edit that leaves the listener
     * where it was changes nothing visible.
     */
    public ListenerStateMachine under(BacklogPolicySpec edited) {
        ListenerStateMachine m = new ListenerStateMachine(edited);
        m.state = state;
        m.since = since;
        m.atOrAboveWarningSince = atOrAboveWarningSince;
        m.atOrAboveCriticalSince = atOrAboveCriticalSince;
        m.belowWarningSince = belowWarningSince;
        m.peakDepth = peakDepth;
        return m;
    }

    public ListenerState observe(Observation o) {
        double usage = o.usagePercent() == null ? -1 : o.usagePercent();
        boolean warning = usage >= policy.getWarningPercent() || o.full();
        boolean critical = usage >= policy.getCriticalPercent() || o.full();
        atOrAboveWarningSince = warning ? firstOf(atOrAboveWarningSince, o.at()) : null;
        atOrAboveCriticalSince = critical ? firstOf(atOrAboveCriticalSince, o.at()) : null;
        belowWarningSince = warning ? null : firstOf(belowWarningSince, o.at());

        boolean overflowing = policy.getOverflowsPerMinute() > 0 && o.overflowsPerMinute() >= policy.getOverflowsPerMinute();
        boolean saturatedNow = o.full() || (overflowing && warning) || held(atOrAboveCriticalSince, o.at());
        ListenerState next = state;
        if (saturatedNow) {
            next = ListenerState.Saturated;
        } else if (state == ListenerState.OK && held(atOrAboveWarningSince, o.at())) {
            next = ListenerState.Warning;
        } else if (state != ListenerState.OK && held(belowWarningSince, o.at())) {
            next = ListenerState.OK;
        }
        if (next != state) {
            state = next;
            since = o.at();
            peakDepth = o.depth();
        }
        peakDepth = state == ListenerState.OK ? 0 : Math.max(peakDepth, o.depth());
        return state;
    }

    private boolean held(Instant start, Instant now) {
        return start != null && !Duration.between(start, now).minus(sustain).isNegative();
    }

    private static Instant firstOf(Instant existing, Instant now) {
        return existing != null ? existing : now;
    }

    public ListenerState state() {
        return state;
    }

    /** When the current state began (null while OK since the start). */
    public Instant since() {
        return since;
    }

    /** Highest depth since the listener left OK (0 while OK). */
    public long peakDepth() {
        return peakDepth;
    }
}
