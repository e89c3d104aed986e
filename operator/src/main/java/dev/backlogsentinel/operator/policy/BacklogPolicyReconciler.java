package dev.backlogsentinel.operator.policy;

import dev.backlogsentinel.api.Vocabulary;
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
import dev.backlogsentinel.operator.informers.Nudge;
import dev.backlogsentinel.operator.informers.PrimaryEvents;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
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
 * policies it names now or named before; the reports are the node-pressure controller's cache,
 * {@link ReportCache}, not a second informer), and by a change in its refused events; patches the status
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

    @Inject
    PolicyCache policies;

    @Inject
    ReportCache reports;

    static final Duration CACHE_WAIT = Duration.ofSeconds(1);

    /** When each policy's status was last patched, for the minimum interval between patches. */
    private final Map<ResourceID, Instant> patchedAt = new ConcurrentHashMap<>();

    @Override
    public List<EventSource<?, BacklogPolicy>> prepareEventSources(EventSourceContext<BacklogPolicy> context) {
        policies.use(context.getPrimaryCache());
        Nudge<BacklogPolicy> nudge = new Nudge<>("policy-nudges");
        // The reports are the node-pressure controller's cache: a status change there wakes the policies it names, before and after.
        reports.onStatusChange((now, before) -> concerned(now, before).forEach(nudge::wake));
        undelivered.onChange((namespace, name) -> nudge.wake(new ResourceID(name, namespace)));
        return List.of(nudge, new PrimaryEvents<>("policy-events", (now, before) -> {
            policies.changed(now, before);
            if (now == null) {
                patchedAt.remove(ResourceID.fromResource(before));
            }
        }));
    }

    /** The policies a report names after a change or named before it (a report that drops a policy must still reach it). */
    private static Set<ResourceID> concerned(NodeBacklogReport now, NodeBacklogReport before) {
        Set<ResourceID> concerned = new HashSet<>();
        for (NodeBacklogReport r : new NodeBacklogReport[] {now, before}) {
            if (r != null) {
                PolicyIndex.policiesOf(r).forEach(key -> concerned.add(PolicyIndex.resourceId(key)));
            }
        }
        return concerned;
    }

    @Override
    public UpdateControl<BacklogPolicy> reconcile(BacklogPolicy policy, Context<BacklogPolicy> context) {
        if (!reports.synced()) {
            // Counts from a partial list would be false: wait for the node-pressure controller's cache.
            return UpdateControl.<BacklogPolicy>noUpdate().rescheduleAfter(CACHE_WAIT);
        }
        List<NodeBacklogReport> reports = this.reports.list(r -> true).toList();
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
                    "Warning", Vocabulary.EVENT_INVALID_POLICY, Vocabulary.ACTION_VALIDATE, "BacklogPolicy is not enforced: " + String.join("; ", problems) + ".",
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
            if (Vocabulary.POLICY_READY.equals(c.getType()) && Vocabulary.REASON_INVALID_SPEC.equals(c.getReason())
                    && Objects.equals(c.getObservedGeneration(), policy.getMetadata().getGeneration())) {
                return true;
            }
        }
        return false;
    }
}
