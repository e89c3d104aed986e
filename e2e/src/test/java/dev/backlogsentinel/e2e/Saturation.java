package dev.backlogsentinel.e2e;

import dev.backlogsentinel.api.report.NodeBacklogReport;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One pod's ongoing saturation as the cluster shows it, taken at one instant: its report's since,
 * the node condition's transition, the pod's Saturated events. While the queue stays full, an agent
 * restart or a policy edit must move none of it ({@link #stillTheSame}).
 */
record Saturation(String node, String namespace, String pod, String since, String updatedAt, String transition,
        List<String> saturatedEvents) {

    static Saturation now(KubernetesClient admin, String node, String namespace, String pod) {
        var status = report(admin, node).getStatus();
        return new Saturation(node, namespace, pod, status.getListeners().getFirst().getSince(), status.getUpdatedAt(),
                condition(admin, node).getLastTransitionTime(), names(events(admin, namespace, pod, "ListenQueueSaturated")));
    }

    /** The report has been written since this was taken. */
    boolean rewritten(KubernetesClient admin) {
        return !updatedAt.equals(report(admin, node).getStatus().getUpdatedAt());
    }

    void stillTheSame(KubernetesClient admin) {
        assertThat(report(admin, node).getStatus().getListeners()).as("the saturation, never a report without it").singleElement()
                .satisfies(l -> assertThat(l.getSince()).isEqualTo(since));
        NodeCondition now = condition(admin, node);
        assertThat(now.getStatus()).as("the condition never flips").isEqualTo("True");
        assertThat(now.getLastTransitionTime()).isEqualTo(transition);
        assertThat(events(admin, namespace, pod, "ListenQueueRecovered")).as("no recovery that did not happen").isEmpty();
        assertThat(names(events(admin, namespace, pod, "ListenQueueSaturated"))).as("no second saturation")
                .containsExactlyElementsOf(saturatedEvents);
    }

    private static NodeBacklogReport report(KubernetesClient admin, String node) {
        return admin.resources(NodeBacklogReport.class).withName(node).get();
    }

    private static NodeCondition condition(KubernetesClient admin, String node) {
        return admin.nodes().withName(node).get().getStatus().getConditions().stream()
                .filter(c -> "ListenQueuePressure".equals(c.getType())).findFirst().orElseThrow();
    }

    private static List<Event> events(KubernetesClient admin, String namespace, String pod, String reason) {
        return admin.v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(e -> pod.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason())).toList();
    }

    private static List<String> names(List<Event> events) {
        return events.stream().map(e -> e.getMetadata().getName()).toList();
    }
}
