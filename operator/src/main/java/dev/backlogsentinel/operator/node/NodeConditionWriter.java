package dev.backlogsentinel.operator.node;

import dev.backlogsentinel.operator.metrics.OperatorMetrics;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Writes ListenQueuePressure on nodes/&lt;name&gt;/status only when its status, reason or message
 * change; lastTransitionTime moves only when the status does.
 *
 * <p>The patch touches our entry of status.conditions and nothing else, as a strategic merge by
 * type would. It is an RFC 6902 JSON patch: "add" when the node has no such condition, else
 * "replace" at its index guarded by a "test" of that index's type, so a concurrent kubelet update
 * that moved the list fails the patch (and the next reconcile retries) instead of overwriting
 * kubelet's conditions. Strategic merge is not used because the Kubernetes test server refuses it
 * (415), and this writer must be the one the tests exercise.
 */
@ApplicationScoped
public class NodeConditionWriter {

    /** What writing did: the node's UID, the status before (null when the node had none) and after, and the transition time. */
    public record Outcome(String nodeUid, String previousStatus, String status, boolean patched, String lastTransitionTime) {

        public boolean statusChanged() {
            return !status.equals(previousStatus);
        }
    }

    private final KubernetesClient client;
    private final Clock clock;
    private final OperatorMetrics metrics;

    @Inject
    public NodeConditionWriter(KubernetesClient client, Clock clock, OperatorMetrics metrics) {
        this.client = client;
        this.clock = clock;
        this.metrics = metrics;
    }

    /** @return empty when the node does not exist (a report outliving its node) */
    public Optional<Outcome> apply(String nodeName, DesiredCondition desired) {
        Node node = client.nodes().withName(nodeName).get();
        if (node == null) {
            return Optional.empty();
        }
        NodeCondition current = current(node);
        String previous = current == null ? null : current.getStatus();
        if (current != null && desired.status().equals(current.getStatus()) && desired.reason().equals(current.getReason())
                && desired.message().equals(current.getMessage())) {
            return Optional.of(new Outcome(node.getMetadata().getUid(), previous, previous, false, current.getLastTransitionTime()));
        }
        String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
        String transition = current != null && desired.status().equals(current.getStatus()) && current.getLastTransitionTime() != null
                ? current.getLastTransitionTime() : now;
        NodeCondition condition = new NodeConditionBuilder().withType(DesiredCondition.TYPE).withStatus(desired.status())
                .withReason(desired.reason()).withMessage(desired.message()).withLastHeartbeatTime(now)
                .withLastTransitionTime(transition).build();
        client.nodes().withName(nodeName).subresource("status").patch(PatchContext.of(PatchType.JSON), jsonPatch(node, condition));
        metrics.nodePatched();
        return Optional.of(new Outcome(node.getMetadata().getUid(), previous, desired.status(), true, transition));
    }

    static String jsonPatch(Node node, NodeCondition condition) {
        List<NodeCondition> conditions = node.getStatus() == null ? null : node.getStatus().getConditions();
        if (conditions == null || conditions.isEmpty()) {
            return Serialization.asJson(List.of(Map.of("op", "add", "path", "/status/conditions", "value", List.of(condition))));
        }
        for (int i = 0; i < conditions.size(); i++) {
            if (DesiredCondition.TYPE.equals(conditions.get(i).getType())) {
                String at = "/status/conditions/" + i;
                return Serialization.asJson(List.of(
                        Map.of("op", "test", "path", at + "/type", "value", DesiredCondition.TYPE),
                        Map.of("op", "replace", "path", at, "value", condition)));
            }
        }
        return Serialization.asJson(List.of(Map.of("op", "add", "path", "/status/conditions/-", "value", condition)));
    }

    static NodeCondition current(Node node) {
        if (node.getStatus() == null || node.getStatus().getConditions() == null) {
            return null;
        }
        return node.getStatus().getConditions().stream().filter(c -> DesiredCondition.TYPE.equals(c.getType()))
                .findFirst().orElse(null);
    }
}
