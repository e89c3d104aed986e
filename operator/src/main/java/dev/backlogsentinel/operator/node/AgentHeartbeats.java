package dev.backlogsentinel.operator.node;

import dev.backlogsentinel.operator.config.OperatorConfig;
import dev.backlogsentinel.operator.config.OperatorNamespace;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * When this operator last saw each node's agent renew its Lease, timed by its own clock, as the
 * kubelet's node-lifecycle controller times node heartbeats: a renewal is a new renewTime,
 * whatever time it states. So an agent whose clock is minutes off is judged like any other, and
 * the agent's clock is never compared with the operator's, but once: a Lease first seen whose
 * renewTime is older than the grace plus {@link #MAX_SKEW} has been silent longer than any clock
 * error explains.
 *
 * <p>Time the operator could not see (its own watch of the Leases down: an API outage, a network
 * partition of its own) does not count against the agents: a renewal made then is seen when the
 * watch is back, and the silence before it is shifted by what was missed. A Lease first seen is
 * given the grace from then, unless the operator last said its agent was not reporting: that
 * stands until a renewal is seen, so a restarted operator announces no recovery that did not happen.
 */
@ApplicationScoped
public class AgentHeartbeats {

    /** The most an agent's clock may be off and still be trusted at a Lease's first sight. */
    static final Duration MAX_SKEW = Duration.ofMinutes(10);
    private static final Logger LOG = Logger.getLogger(AgentHeartbeats.class);

    /**
     * @param renewTime    the renewTime last seen, as the Lease states it; null while there was no Lease
     * @param at           when this operator saw it (shifted by time it could not see)
     * @param renewalSeen  a renewal was seen since the Lease was first seen
     */
    private record Seen(Instant renewTime, Instant at, boolean renewalSeen) {
    }

    private final Clock clock;
    private final Duration grace;
    private final String namespace;
    private final Map<String, Seen> seen = new ConcurrentHashMap<>();
    private volatile BooleanSupplier watching = () -> true;
    private Instant blindSince;

    @Inject
    public AgentHeartbeats(Clock clock, OperatorConfig config, OperatorNamespace namespace) {
        this(clock, config.agentGrace(), namespace.agents());
    }

    /** A clock, the grace and the namespace of the agents' Leases, as a test wires it. */
    public AgentHeartbeats(Clock clock, Duration grace, String namespace) {
        this.clock = clock;
        this.grace = grace;
        this.namespace = namespace;
    }

    /** Whether the operator's own watch of the agents' Leases is up (the Lease informer's). */
    public void watching(BooleanSupplier watching) {
        this.watching = watching;
    }

    /**
     * The agent's liveness now.
     *
     * @param saidAlive what this operator last said of the agent (false when its condition says
     *                  BacklogAgentNotReporting; true otherwise, and when it never said anything)
     */
    public synchronized AgentLiveness liveness(String node, Lease lease, boolean saidAlive) {
        Instant now = judgedAt();
        String name = namespace + "/" + AgentLiveness.leaseName(node);
        Instant renewTime = lease == null || lease.getSpec() == null || lease.getSpec().getRenewTime() == null
                ? null : lease.getSpec().getRenewTime().toInstant();
        if (renewTime == null) {
            // Remembered as absent: the Lease that appears later is itself a renewal seen.
            seen.put(node, new Seen(null, now, false));
            return AgentLiveness.silent(name, null, null);
        }
        Seen s = seen.get(node);
        if (s != null && s.renewTime() == null) {
            s = new Seen(renewTime, now, true);
        } else if (s == null) {
            boolean ancient = renewTime.plus(grace).plus(MAX_SKEW).isBefore(now);
            s = new Seen(renewTime, ancient ? now.minus(grace) : now, false);
        } else if (!s.renewTime().equals(renewTime)) {
            s = new Seen(renewTime, now, true);
        }
        seen.put(node, s);
        Instant expires = s.at().plus(grace);
        boolean alive = (s.renewalSeen() || saidAlive) && now.isBefore(expires);
        return alive ? AgentLiveness.alive(name, renewTime, s.at(), expires) : AgentLiveness.silent(name, renewTime, s.at());
    }

    /** Forgets a node (its report is gone). */
    public synchronized void forget(String node) {
        seen.remove(node);
    }

    /**
     * Now, for judging: while the operator cannot see the Leases, the instant it went blind, so no
     * silence it could not see is counted; when it sees again, everything seen before is shifted by
     * the time it missed.
     */
    private Instant judgedAt() {
        Instant now = clock.instant();
        if (!watching.getAsBoolean()) {
            if (blindSince == null) {
                blindSince = now;
                LOG.warnf("the agents' Leases are not being watched (API server away?): their silence is not counted meanwhile");
            }
            return blindSince;
        }
        if (blindSince != null) {
            Duration missed = Duration.between(blindSince, now);
            seen.replaceAll((node, s) -> new Seen(s.renewTime(), s.at().plus(missed), s.renewalSeen()));
            LOG.infof("the agents' Leases are watched again after %d s: that time is not counted as their silence", missed.toSeconds());
            blindSince = null;
        }
        return now;
    }
}
