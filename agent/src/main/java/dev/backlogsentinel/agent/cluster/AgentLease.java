package dev.backlogsentinel.agent.cluster;

import dev.backlogsentinel.api.Vocabulary;
import dev.backlogsentinel.api.Conventions;
import dev.backlogsentinel.api.Labels;
import dev.backlogsentinel.api.Patches;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/**
 * The agent's heartbeat: Lease backlog-sentinel-agent-&lt;node&gt;, renewed every
 * backlog.agent.lease-renew-interval. The operator marks the node Unknown when it goes stale.
 * A failed renewal is logged and retried at the next tick: scanning never waits for it.
 */
public final class AgentLease {

    private static final Logger LOG = Logger.getLogger(AgentLease.class);
    /** A Lease's renewTime is a MicroTime: RFC 3339 with microseconds. */
    private static final DateTimeFormatter MICRO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

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

    /**
     * One request per renewal: a merge patch of holder and renewTime, with no read before it. Only
     * a Lease that does not exist yet (404) is created.
     *
     * @return true when the Lease now carries this renewal
     */
    public boolean renew() {
        String now = MICRO.format(clock.instant());
        try {
            try {
                client.leases().inNamespace(namespace).resource(Patches.target(new Lease(), namespace, name())).patch(PatchContext.of(PatchType.JSON_MERGE),
                        Serialization.asJson(Map.of("spec", Map.of("holderIdentity", holder, "renewTime", now))));
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) {
                    throw e;
                }
                ZonedDateTime at = ZonedDateTime.ofInstant(clock.instant().truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
                Lease fresh = new LeaseBuilder().withNewMetadata().withNamespace(namespace)
                        .withName(name()).addToLabels(Vocabulary.MANAGED_BY_LABEL, Vocabulary.AGENT)
                        .addToLabels(Labels.ofNode(node)).endMetadata()
                        .withNewSpec().withHolderIdentity(holder).withLeaseDurationSeconds((int) (interval.toSeconds() * 4))
                        .withAcquireTime(at).withRenewTime(at).endSpec().build();
                // Owned by its Node, as the report is: Leases of nodes that are gone go with them.
                NodeOwner.of(client, node).ifPresent(owner -> fresh.getMetadata().setOwnerReferences(List.of(owner)));
                client.leases().inNamespace(namespace).resource(fresh).create();
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
