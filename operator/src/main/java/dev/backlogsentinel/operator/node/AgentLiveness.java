package dev.backlogsentinel.operator.node;

import dev.backlogsentinel.api.Conventions;

import java.time.Duration;
import java.time.Instant;

/**
 * Whether a node's agent is alive, from its Lease (backlog-sentinel-agent-&lt;node&gt;) as
 * {@link AgentHeartbeats} has seen it renewed: the report is data, the Lease is the heartbeat.
 *
 * @param renewedAt the Lease's renewTime, by the agent's clock (null when there is no Lease or no renewTime)
 * @param seenAt    when this operator saw that renewal, by its own clock
 * @param expiresAt when the grace runs out (null when not alive)
 */
public record AgentLiveness(boolean alive, String lease, Instant renewedAt, Instant seenAt, Instant expiresAt) {

    public static String leaseName(String node) {
        return Conventions.agentLease(node);
    }

    static AgentLiveness alive(String lease, Instant renewedAt, Instant seenAt, Instant expiresAt) {
        return new AgentLiveness(true, lease, renewedAt, seenAt, expiresAt);
    }

    static AgentLiveness silent(String lease, Instant renewedAt, Instant seenAt) {
        return new AgentLiveness(false, lease, renewedAt, seenAt, null);
    }

    public String notReportingMessage(Duration grace) {
        return renewedAt == null
                ? "The Backlog Sentinel agent of this node has no Lease " + lease + " (or it was never renewed): "
                        + "listen queues on this node are not being watched."
                : "The Backlog Sentinel agent of this node has not renewed its Lease " + lease + " since " + renewedAt
                        + " by its own clock (grace " + grace.toSeconds() + "s, counted from when the operator saw that renewal): "
                        + "listen queues on this node are not being watched.";
    }
}
