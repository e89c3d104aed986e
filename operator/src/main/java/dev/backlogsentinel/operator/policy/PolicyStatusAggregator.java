package dev.backlogsentinel.operator.policy;

import dev.backlogsentinel.api.ListenQueue;
import dev.backlogsentinel.api.ListenerState;
import dev.backlogsentinel.api.policy.BacklogPolicy;
import dev.backlogsentinel.api.policy.BacklogPolicySpec;
import dev.backlogsentinel.api.policy.BacklogPolicyStatus;
import dev.backlogsentinel.api.policy.PolicyValidation;
import dev.backlogsentinel.api.policy.SaturatedListener;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.api.report.PolicyCount;
import dev.backlogsentinel.api.report.ReportedListener;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Builds a policy's status from every node's report (Keycloak's status aggregator): counts summed,
 * Saturated listeners worst first, the Ready condition with its lastTransitionTime kept while its
 * status holds. An invalid policy is Ready=False and counts nothing: it is not enforced at all.
 */
public final class PolicyStatusAggregator {

    public static final String READY = "Ready";
    public static final String ACCEPTED = "Accepted";
    public static final String INVALID = "InvalidSpec";

    private PolicyStatusAggregator() {
    }

    public static BacklogPolicyStatus status(BacklogPolicy policy, List<NodeBacklogReport> reports, BacklogPolicyStatus previous,
            Instant now, int maxListed) {
        BacklogPolicyStatus status = new BacklogPolicyStatus();
        status.setObservedGeneration(policy.getMetadata().getGeneration());
        List<String> problems = PolicyValidation.problems(policy.getSpec());
        if (!problems.isEmpty()) {
            status.setConditions(List.of(ready(previous, "False", INVALID,
                    "Not enforced: " + String.join("; ", problems) + ".", policy.getMetadata().getGeneration(), now)));
            return status;
        }
        String namespace = policy.getMetadata().getNamespace();
        String name = policy.getMetadata().getName();
        List<PolicyCount> counts = new ArrayList<>();
        List<SaturatedListener> list = new ArrayList<>();
        for (NodeBacklogReport report : reports) {
            if (report.getStatus() == null) {
                continue;
            }
            for (PolicyCount count : report.getStatus().getPolicies()) {
                if (namespace.equals(count.getNamespace()) && name.equals(count.getName())) {
                    counts.add(count);
                }
            }
            for (ReportedListener l : report.getStatus().getListeners()) {
                if (l.getState() == ListenerState.Saturated && name.equals(l.getPolicy()) && l.getPod() != null
                        && namespace.equals(l.getPod().getNamespace())) {
                    list.add(new SaturatedListener(report.getMetadata().getName(), l.getPod().getName(), l));
                }
            }
        }
        list.sort(WORST_FIRST);
        status.sumOf(counts);
        status.setSaturatedListeners(list.size() > maxListed ? new ArrayList<>(list.subList(0, maxListed)) : list);
        status.setConditions(List.of(ready(previous, "True", ACCEPTED, accepted(policy.getSpec()),
                policy.getMetadata().getGeneration(), now)));
        return status;
    }

    /** Worst first (ListenQueue.worstFirst), then by node, pod and port, so the status does not depend on report order. */
    static final Comparator<SaturatedListener> WORST_FIRST = ListenQueue.<SaturatedListener>worstFirst()
            .thenComparing(s -> s.getNode() + "/" + s.getPod() + ":" + s.getPort());

    private static String accepted(BacklogPolicySpec spec) {
        String ports = spec.getPorts() == null || spec.getPorts().isEmpty() ? "every listening port"
                : "ports " + spec.getPorts().stream().map(String::valueOf).collect(Collectors.joining(", "));
        return "Watching " + ports + " of the selected pods: Warning at " + spec.getWarningPercent() + "%, Saturated at "
                + spec.getCriticalPercent() + "% or when full, sustained for " + spec.getSustainFor() + ".";
    }

    /** The Ready condition; lastTransitionTime moves only when its status changes. */
    private static Condition ready(BacklogPolicyStatus previous, String status, String reason, String message, Long generation,
            Instant now) {
        String transition = now.truncatedTo(ChronoUnit.SECONDS).toString();
        if (previous != null && previous.getConditions() != null) {
            for (Condition c : previous.getConditions()) {
                if (READY.equals(c.getType()) && status.equals(c.getStatus()) && c.getLastTransitionTime() != null) {
                    transition = c.getLastTransitionTime();
                }
            }
        }
        return new ConditionBuilder().withType(READY).withStatus(status).withReason(reason).withMessage(message)
                .withObservedGeneration(generation).withLastTransitionTime(transition).build();
    }
}
