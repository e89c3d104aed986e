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
