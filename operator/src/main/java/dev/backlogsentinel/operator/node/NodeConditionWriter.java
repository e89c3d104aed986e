package dev.backlogsentinel.operator.node;

import dev.backlogsentinel.api.Vocabulary;
import dev.backlogsentinel.operator.metrics.OperatorMetrics;
import dev.backlogsentinel.api.Patches;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/**
 * Writes ListenQueuePressure on nodes/&lt;name&gt;/status as a strategic merge patch of
 * status.conditions, keyed by type (as node-problem-detector does): the kubelet's conditions and
 * anyone else's stay as they are, and no read of the Node is needed. Whether to write at all is
 * decided by the caller from what it wrote last (Notified), so an unchanged condition costs nothing.
 */
@ApplicationScoped
public class NodeConditionWriter {

    private final KubernetesClient client;
    private final OperatorMetrics metrics;

    @Inject
    public NodeConditionWriter(KubernetesClient client, OperatorMetrics metrics) {
        this.client = client;
        this.metrics = metrics;
    }

    /**
     * @param transition the lastTransitionTime to write: now when the status changes, else the one kept
     * @return false when the node does not exist (a report outliving its node)
     * @throws KubernetesClientException when the server refuses the write or cannot be reached
     */
    public boolean write(String nodeName, DesiredCondition desired, Instant now, Instant transition) {
        NodeCondition condition = new NodeConditionBuilder().withType(Vocabulary.NODE_CONDITION).withStatus(desired.status())
                .withReason(desired.reason()).withMessage(desired.message())
                .withLastHeartbeatTime(now.truncatedTo(ChronoUnit.SECONDS).toString())
                .withLastTransitionTime(transition.truncatedTo(ChronoUnit.SECONDS).toString()).build();
        String patch = Serialization.asJson(Map.of("status", Map.of("conditions", List.of(condition))));
        try {
            client.nodes().resource(Patches.target(new Node(), null, nodeName)).subresource("status").patch(PatchContext.of(PatchType.STRATEGIC_MERGE), patch);
            metrics.nodePatched();
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return false;
            }
            metrics.nodePatchFailed();
            throw e;
        }
    }
}
