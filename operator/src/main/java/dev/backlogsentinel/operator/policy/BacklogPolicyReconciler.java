package dev.backlogsentinel.operator.policy;

import dev.backlogsentinel.api.policy.BacklogPolicy;
import dev.backlogsentinel.api.policy.BacklogPolicyStatus;
import dev.backlogsentinel.api.policy.PolicyValidation;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.operator.config.OperatorConfig;
import dev.backlogsentinel.operator.events.EventRecorder;
import dev.backlogsentinel.operator.events.UndeliveredEvents;
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
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps each BacklogPolicy's status: validity, what all nodes report for it, and whether its
 * findings' events are written. Woken by the policy, by a report whose status changed for it (the
 * policies it names now or named before), and by a change in its refused events; patches the status
 * only when it differs, and at most once per policy-status-min-interval (10 s) unless the spec
 * changed: every agent watches every policy, so each patch reaches every node.
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

    @Inject
    UndeliveredEvents undelivered;

    /** When each policy's status was last patched, for the minimum interval between patches. */
    private final Map<ResourceID, Instant> patchedAt = new ConcurrentHashMap<>();

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
        return List.of(new InformerEventSource<>(reports, context), new UndeliveredEventSource(undelivered));
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
        Instant now = clock.instant();
        BacklogPolicyStatus next = PolicyStatusAggregator.status(policy, reports, previous, now,
                config.maxSaturatedListeners(), undelivered.of(policy.getMetadata().getNamespace(), policy.getMetadata().getName()));
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
        ResourceID id = ResourceID.fromResource(policy);
        Instant last = patchedAt.get(id);
        boolean specChanged = previous == null || !Objects.equals(previous.getObservedGeneration(), next.getObservedGeneration());
        Duration wait = last == null ? Duration.ZERO : Duration.between(now, last.plus(config.policyStatusMinInterval()));
        if (!specChanged && wait.isPositive()) {
            // Reconciled again when the interval is over, from the caches as they are then.
            return UpdateControl.<BacklogPolicy>noUpdate().rescheduleAfter(wait);
        }
        patchedAt.put(id, now);
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
