package dev.backlogsentinel.operator.policy;

import dev.backlogsentinel.api.policy.BacklogPolicy;
import dev.backlogsentinel.api.policy.BacklogPolicyStatus;
import dev.backlogsentinel.api.policy.PolicyValidation;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.operator.config.OperatorConfig;
import dev.backlogsentinel.operator.events.EventRecorder;
import dev.backlogsentinel.operator.metrics.OperatorMetrics;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import jakarta.inject.Inject;

import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps each BacklogPolicy's status: validity, and what all nodes report for it. Woken by the
 * policy, and by a report whose status changed for it (the policies it names now or named before);
 * patches the status only when it differs.
 */
@ControllerConfiguration(name = BacklogPolicyReconciler.NAME)
public class BacklogPolicyReconciler implements Reconciler<BacklogPolicy> {

    public static final String NAME = "policy-status";

    @Inject
    OperatorConfig config;

    @Inject
    EventRecorder events;

    @Inject
    OperatorMetrics metrics;

    @Inject
    Clock clock;

    /** The policies each report named at its last event: a report that drops a policy must still reach it. */
    private final Map<String, Set<ResourceID>> namedBefore = new ConcurrentHashMap<>();

    @Override
    public List<EventSource<?, BacklogPolicy>> prepareEventSources(EventSourceContext<BacklogPolicy> context) {
        var reports = InformerEventSourceConfiguration.from(NodeBacklogReport.class, BacklogPolicy.class)
                .withName("reports-for-policies")
                // The operator's own memory annotation on a report changes nothing a policy counts.
                .withOnUpdateFilter((next, previous) -> !Objects.equals(next.getStatus(), previous.getStatus()))
                .withSecondaryToPrimaryMapper(this::policiesConcerned)
                .build();
        return List.of(new InformerEventSource<>(reports, context));
    }

    private Set<ResourceID> policiesConcerned(NodeBacklogReport report) {
        Set<ResourceID> now = new HashSet<>();
        for (String key : PolicyIndex.policiesOf(report)) {
            int slash = key.indexOf('/');
            now.add(new ResourceID(key.substring(slash + 1), key.substring(0, slash)));
        }
        Set<ResourceID> concerned = new HashSet<>(now);
        Set<ResourceID> before = namedBefore.put(report.getMetadata().getName(), now);
        if (before != null) {
            concerned.addAll(before);
        }
        return concerned;
    }

    @Override
    @SuppressWarnings("unchecked")
    public UpdateControl<BacklogPolicy> reconcile(BacklogPolicy policy, Context<BacklogPolicy> context) {
        var reportSource = (InformerEventSource<NodeBacklogReport, BacklogPolicy>) context.eventSourceRetriever()
                .getEventSourceFor(NodeBacklogReport.class);
        List<NodeBacklogReport> reports = reportSource.list(r -> true).toList();
        BacklogPolicyStatus previous = policy.getStatus();
        BacklogPolicyStatus next = PolicyStatusAggregator.status(policy, reports, previous, clock.instant(),
                config.maxSaturatedListeners());
        List<String> problems = PolicyValidation.problems(policy.getSpec());
        if (!problems.isEmpty() && !alreadySaidInvalid(policy)) {
            // Before the status: a status that says Invalid for this generation means the event went out.
            String generation = String.valueOf(policy.getMetadata().getGeneration());
            events.write(new EventRecorder.Request(new ObjectReferenceBuilder().withApiVersion(policy.getApiVersion())
                    .withKind(policy.getKind()).withNamespace(policy.getMetadata().getNamespace())
                    .withName(policy.getMetadata().getName()).withUid(policy.getMetadata().getUid()).build(),
                    "Warning", "InvalidPolicy", "Validate", "BacklogPolicy is not enforced: " + String.join("; ", problems) + ".",
                    "invalid/" + generation, 1, clock.instant(), clock.instant(), Map.of()));
        }
        if (Objects.equals(previous, next)) {
            return UpdateControl.noUpdate();
        }
        policy.setStatus(next);
        metrics.statusPatched();
        return UpdateControl.patchStatus(policy);
    }

    /** The status already says this generation is invalid. */
    private static boolean alreadySaidInvalid(BacklogPolicy policy) {
        if (policy.getStatus() == null || policy.getStatus().getConditions() == null) {
            return false;
        }
        for (Condition c : policy.getStatus().getConditions()) {
            if (PolicyStatusAggregator.READY.equals(c.getType()) && PolicyStatusAggregator.INVALID.equals(c.getReason())
                    && Objects.equals(c.getObservedGeneration(), policy.getMetadata().getGeneration())) {
                return true;
            }
        }
        return false;
    }
}
