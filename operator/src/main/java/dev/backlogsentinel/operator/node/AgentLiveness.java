package dev.backlogsentinel.operator.node;

import dev.backlogsentinel.api.Conventions;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;

import java.time.Duration;
import java.time.Instant;

/**
 * Whether a node's agent is alive, from its Lease (backlog-sentinel-agent-&lt;node&gt;): the report is
 * data, the Lease is the heartbeat.
 *
 * @param renewedAt last renewal, or null when there is no Lease or no renewTime
 * @param expiresAt when the grace runs out (null when not alive)
 */
public record AgentLiveness(boolean alive, String lease, Instant renewedAt, Instant expiresAt) {

    public static String leaseName(String node) {
        return Conventions.agentLease(node);
    }

    public static AgentLiveness of(String namespace, String node, Lease lease, Instant now, Duration grace) {
        String name = namespace + "/" + leaseName(node);
        Instant renewed = lease == null || lease.getSpec() == null || lease.getSpec().getRenewTime() == null
                ? null : lease.getSpec().getRenewTime().toInstant();
        if (renewed == null) {
            return new AgentLiveness(false, name, null, null);
        }
        Instant expires = renewed.plus(grace);
        return now.isBefore(expires) ? new AgentLiveness(true, name, renewed, expires) : new AgentLiveness(false, name, renewed, null);
    }

    public String notReportingMessage(Duration grace) {
        return renewedAt == null
                ? "The Backlog Sentinel agent of this node has no Lease " + lease + " (or it was never renewed): "
                        + "listen queues on this node are not being watched."
                : "The Backlog Sentinel agent of this node has not renewed its Lease " + lease + " since " + renewedAt
                        + " (grace " + grace.toSeconds() + "s): listen queues on this node are not being watched.";
    }
}
