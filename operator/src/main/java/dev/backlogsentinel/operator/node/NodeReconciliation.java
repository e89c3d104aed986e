package dev.backlogsentinel.operator.node;

import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.api.report.ReportedListener;
import dev.backlogsentinel.operator.config.OperatorConfig;
import dev.backlogsentinel.operator.config.OperatorNamespace;
import dev.backlogsentinel.operator.events.EventRecorder;
import dev.backlogsentinel.operator.events.FindingMessages;
import dev.backlogsentinel.operator.policy.ValidPolicies;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns one node's report into what the cluster shows: the node condition, node events on its
 * transitions, and pod events for Saturated, full and recovered listeners. It keeps no memory of
 * its own: transitions are read from the node's condition and open findings from the Events, so a
 * restarted operator neither repeats nor misses anything.
 */
@ApplicationScoped
public class NodeReconciliation {

    private static final Logger LOG = Logger.getLogger(NodeReconciliation.class);
    static final String WHERE = "backlogsentinel.dev/where";

    private final NodeConditionWriter writer;
    private final EventRecorder events;
    private final OperatorConfig config;
    private final OperatorNamespace namespace;
    private final Clock clock;

    @Inject
    public NodeReconciliation(NodeConditionWriter writer, EventRecorder events, OperatorConfig config,
            OperatorNamespace namespace, Clock clock) {
        this.writer = writer;
        this.events = events;
        this.config = config;
        this.namespace = namespace;
        this.clock = clock;
    }

    /** @return when to look again (the agent's Lease expiring), or empty to wait for the next change */
    public Optional<Duration> reconcile(NodeBacklogReport report, Lease lease, ValidPolicies policies) {
        String node = report.getMetadata().getName();
        Instant now = clock.instant();
        AgentLiveness liveness = AgentLiveness.of(namespace.get(), node, lease, now, config.agentGrace());
        DesiredCondition desired = NodePressure.evaluate(report, policies, liveness, config.agentGrace(), config.conditionListeners());
        Optional<NodeConditionWriter.Outcome> outcome = writer.apply(node, desired);
        if (outcome.isEmpty()) {
            LOG.debugf("report %s has no node of that name: nothing to write", node);
            return Optional.empty();
        }
        nodeEvents(node, outcome.get(), desired);
        if (liveness.alive()) {
            // While the agent is away its report is stale: pod findings wait until it is back.
            podEvents(node, report, policies);
            return Optional.of(Duration.between(now, liveness.expiresAt()).plusSeconds(1));
        }
        return Optional.empty();
    }

    private void nodeEvents(String node, NodeConditionWriter.Outcome outcome, DesiredCondition desired) {
        if (!outcome.statusChanged()) {
            return;
        }
        ObjectReference ref = new ObjectReferenceBuilder().withApiVersion("v1").withKind("Node").withName(node)
                .withUid(outcome.nodeUid()).build();
        String previous = outcome.previousStatus();
        String reason;
        String type;
        String note;
        switch (desired.status()) {
            case DesiredCondition.TRUE -> {
                reason = "ListenQueuePressure";
                type = "Warning";
                note = desired.message();
            }
            case DesiredCondition.UNKNOWN -> {
                reason = DesiredCondition.NOT_REPORTING;
                type = "Warning";
                note = desired.message();
            }
            default -> {
                if (!DesiredCondition.TRUE.equals(previous)) {
                    return; // False after nothing or after Unknown: no pressure ended, nothing to say.
                }
                reason = DesiredCondition.NO_PRESSURE;
                type = "Normal";
                note = "No listen queue on this node is saturated any more.";
            }
        }
        events.record(new EventRecorder.Request(ref, type, reason, desired.reason(), note,
                reason + "/" + outcome.lastTransitionTime(), outcome.lastTransitionTime(),
                Map.of(EventRecorder.NODE_LABEL, EventRecorder.labelValue(node)), Map.of()));
    }

    private void podEvents(String node, NodeBacklogReport report, ValidPolicies policies) {
        String nodeLabel = EventRecorder.labelValue(node);
        String observation = report.getMetadata().getResourceVersion();
        Set<String> current = new HashSet<>();
        for (ReportedListener l : NodePressure.saturatedUnder(report, policies, false)) {
            ObjectReference pod = new ObjectReferenceBuilder().withApiVersion("v1").withKind("Pod")
                    .withNamespace(l.getPod().getNamespace()).withName(l.getPod().getName()).withUid(l.getPod().getUid()).build();
            String finding = NodePressure.listenerKey(l) + "/" + l.getSince();
            current.add(finding);
            events.record(new EventRecorder.Request(pod, "Warning", "ListenQueueSaturated", "Saturated",
                    FindingMessages.saturated(l), finding, observation,
                    Map.of(EventRecorder.NODE_LABEL, nodeLabel, EventRecorder.OPEN_LABEL, "true"),
                    Map.of(WHERE, FindingMessages.where(l), "backlogsentinel.dev/since", String.valueOf(l.getSince()))));
            boolean full = l.getLimit() != null && l.getDepth() > l.getLimit();
            if (full && l.getOverflowsTotal() != null && l.getOverflowsTotal() > 0) {
                // Counted again only when the namespace's overflow total moved: each new batch of drops.
                events.record(new EventRecorder.Request(pod, "Warning", "ListenQueueOverflow", "Dropped",
                        FindingMessages.overflow(l), finding, String.valueOf(l.getOverflowsTotal()),
                        Map.of(EventRecorder.NODE_LABEL, nodeLabel), Map.of()));
            }
        }
        for (Event open : events.openSaturated(nodeLabel)) {
            Map<String, String> annotations = open.getMetadata().getAnnotations();
            String finding = annotations.get(EventRecorder.FINDING);
            if (finding == null || current.contains(finding)) {
                continue;
            }
            boolean written = events.record(new EventRecorder.Request(open.getRegarding(), "Normal", "ListenQueueRecovered",
                    "Recovered", FindingMessages.recovered(annotations.getOrDefault(WHERE, open.getRegarding().getName()),
                            annotations.getOrDefault("backlogsentinel.dev/since", "?")),
                    finding + "/recovered", "recovered", Map.of(EventRecorder.NODE_LABEL, nodeLabel), Map.of()));
            if (written) {
                events.close(open);
            }
        }
    }
}
