package dev.backlogsentinel.operator.policy;

import dev.backlogsentinel.api.policy.BacklogPolicy;
import dev.backlogsentinel.api.policy.BacklogPolicyStatus;
import dev.backlogsentinel.api.policy.PolicyValidation;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.operator.config.OperatorConfig;
import dev.backlogsentinel.operator.events.EventRecorder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import jakarta.inject.Inject;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Keeps each BacklogPolicy's status: validity, and what all nodes report for it. Woken by the
 * policy and by any report change; patches the status only when it differs.
 */
@ControllerConfiguration(name = BacklogPolicyReconciler.NAME)
public class BacklogPolicyReconciler implements Reconciler<BacklogPolicy> {

    public static final String NAME = "policy-status";

    @Inject
    OperatorConfig config;

    @Inject
    EventRecorder events;

    @Inject
    Clock clock;

    @Override
    public List<EventSource<?, BacklogPolicy>> prepareEventSources(EventSourceContext<BacklogPolicy> context) {
        // Every report can change every policy's sums, and a report that dropped a policy must still reach it.
        var reports = InformerEventSourceConfiguration.from(NodeBacklogReport.class, BacklogPolicy.class)
                .withName("reports-for-policies")
                .withSecondaryToPrimaryMapper(report -> context.getPrimaryCache().keys().collect(Collectors.toSet()))
                .build();
        return List.of(new InformerEventSource<>(reports, context));
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
        if (!problems.isEmpty()) {
            String generation = String.valueOf(policy.getMetadata().getGeneration());
            events.record(new EventRecorder.Request(new ObjectReferenceBuilder().withApiVersion(policy.getApiVersion())
                    .withKind(policy.getKind()).withNamespace(policy.getMetadata().getNamespace())
                    .withName(policy.getMetadata().getName()).withUid(policy.getMetadata().getUid()).build(),
                    "Warning", "InvalidPolicy", "Validate", "BacklogPolicy is not enforced: " + String.join("; ", problems) + ".",
                    "invalid/" + generation, generation, Map.of(), Map.of()));
        }
        if (Objects.equals(previous, next)) {
            return UpdateControl.noUpdate();
        }
        policy.setStatus(next);
        return UpdateControl.patchStatus(policy);
    }
}
