package dev.backlogsentinel.agent.cluster;

import dev.backlogsentinel.api.Conventions;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;

/**
 * The agent's heartbeat: Lease backlog-sentinel-agent-&lt;node&gt;, renewed every
 * backlog.agent.lease-renew-interval. The operator marks the node Unknown when it goes stale.
 * A failed renewal is logged and retried at the next tick: scanning never waits for it.
 */
public final class AgentLease {

    private static final Logger LOG = Logger.getLogger(AgentLease.class);

    private final KubernetesClient client;
    private final String namespace;
    private final String node;
    private final String holder;
    private final Duration interval;
    private final Clock clock;
    private boolean failing;

    public AgentLease(KubernetesClient client, String namespace, String node, String holder, Duration interval, Clock clock) {
        this.client = client;
        this.namespace = namespace;
        this.node = node;
        this.holder = holder;
        this.interval = interval;
        this.clock = clock;
    }

    public String name() {
        return Conventions.agentLease(node);
    }

    /** @return true when the Lease now carries this renewal */
    public boolean renew() {
        ZonedDateTime now = ZonedDateTime.ofInstant(clock.instant().truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
        try {
            Lease current = client.leases().inNamespace(namespace).withName(name()).get();
            if (current == null) {
                client.leases().inNamespace(namespace).resource(new LeaseBuilder().withNewMetadata().withNamespace(namespace)
                        .withName(name()).addToLabels("app.kubernetes.io/managed-by", "backlog-sentinel-agent")
                        .addToLabels("backlogsentinel.dev/node", node.length() <= 63 ? node : node.substring(0, 63)).endMetadata()
                        .withNewSpec().withHolderIdentity(holder).withLeaseDurationSeconds((int) (interval.toSeconds() * 4))
                        .withAcquireTime(now).withRenewTime(now).endSpec().build()).create();
            } else {
                client.leases().inNamespace(namespace).withName(name()).edit(l -> new LeaseBuilder(l).editSpec()
                        .withHolderIdentity(holder).withRenewTime(now).endSpec().build());
            }
            if (failing) {
                LOG.infof("Lease %s/%s renewed again", namespace, name());
                failing = false;
            }
            return true;
        } catch (KubernetesClientException e) {
            if (!failing) {
                LOG.warnf("cannot renew Lease %s/%s (will retry every %ss): %s", namespace, name(), interval.toSeconds(), e.getMessage());
                failing = true;
            }
            return false;
        }
    }
}
