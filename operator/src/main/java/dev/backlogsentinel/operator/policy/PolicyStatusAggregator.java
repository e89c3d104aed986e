package dev.backlogsentinel.operator.policy;

import dev.backlogsentinel.api.Vocabulary;
import dev.backlogsentinel.api.ListenerState;
import dev.backlogsentinel.api.policy.BacklogPolicy;
import dev.backlogsentinel.api.policy.BacklogPolicySpec;
import dev.backlogsentinel.api.policy.BacklogPolicyStatus;
import dev.backlogsentinel.api.policy.PolicyValidation;
import dev.backlogsentinel.api.policy.SaturatedListener;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.api.report.PolicyCount;
import dev.backlogsentinel.api.report.ReportedListener;
import dev.backlogsentinel.operator.events.FindingMessages;
import dev.backlogsentinel.operator.events.UndeliveredEvents;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Builds a policy's status from every node's report (Keycloak's status aggregator): counts summed,
 * Saturated listeners longest first (without their depths, so an incident whose depths move does
 * not rewrite it), the Ready and EventsWritten conditions, each with its lastTransitionTime kept
 * while its status holds. An invalid policy is Ready=False and counts nothing: it is not enforced at all.
 */
public final class PolicyStatusAggregator {

    /** The refused findings an EventsWritten=False message names; the rest are counted. */
    static final int REFUSALS_SHOWN = 3;

    private PolicyStatusAggregator() {
    }

    /**
     * @param refused the findings under this policy whose events the API server refuses now
     *                ({@link UndeliveredEvents}), by finding key
     */
    public static BacklogPolicyStatus status(BacklogPolicy policy, List<NodeBacklogReport> reports, BacklogPolicyStatus previous,
            Instant now, int maxListed, Map<String, UndeliveredEvents.Refusal> refused) {
        BacklogPolicyStatus status = new BacklogPolicyStatus();
        status.setObservedGeneration(policy.getMetadata().getGeneration());
        List<String> problems = PolicyValidation.problems(policy.getSpec());
        if (!problems.isEmpty()) {
            status.setConditions(List.of(condition(previous, Vocabulary.POLICY_READY, "False", Vocabulary.REASON_INVALID_SPEC,
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
        list.sort(SaturatedListener.LONGEST_FIRST);
        status.sumOf(counts);
        status.setSaturatedListeners(list.size() > maxListed ? new ArrayList<>(list.subList(0, maxListed)) : list);
        status.setConditions(List.of(
                condition(previous, Vocabulary.POLICY_READY, "True", Vocabulary.REASON_ACCEPTED, accepted(policy.getSpec()), policy.getMetadata().getGeneration(), now),
                eventsWritten(previous, refused, policy.getMetadata().getGeneration(), now)));
        return status;
    }

    private static String accepted(BacklogPolicySpec spec) {
        String ports = spec.getPorts() == null || spec.getPorts().isEmpty() ? "every listening port"
                : "ports " + spec.getPorts().stream().map(String::valueOf).collect(Collectors.joining(", "));
        return "Watching " + ports + " of the selected pods: Warning at " + spec.getWarningPercent() + "%, Saturated at "
                + spec.getCriticalPercent() + "% or when full, sustained for " + spec.getSustainFor() + ".";
    }

    /**
     * Whether the events of this policy's findings reach the API server. False names the refused
     * findings (the first few, oldest first) with the server's first answer, so its message moves
     * only when the set of refused findings does, not at every retry.
     */
    private static Condition eventsWritten(BacklogPolicyStatus previous, Map<String, UndeliveredEvents.Refusal> refused,
            Long generation, Instant now) {
        if (refused.isEmpty()) {
            return condition(previous, Vocabulary.POLICY_EVENTS_WRITTEN, "True", Vocabulary.REASON_WRITTEN, "Every event of this policy's findings was written.",
                    generation, now);
        }
        List<UndeliveredEvents.Refusal> oldestFirst = refused.values().stream()
                .sorted(Comparator.comparing(UndeliveredEvents.Refusal::since).thenComparing(UndeliveredEvents.Refusal::what)).toList();
        StringBuilder message = new StringBuilder("The API server refuses the events of ").append(refused.size())
                .append(refused.size() == 1 ? " finding" : " findings").append(" (retried, at least once a minute): ");
        for (int i = 0; i < Math.min(REFUSALS_SHOWN, oldestFirst.size()); i++) {
            UndeliveredEvents.Refusal r = oldestFirst.get(i);
            message.append(i == 0 ? "" : "; ").append(r.what()).append(", since ").append(r.since().truncatedTo(ChronoUnit.SECONDS))
                    .append(": ").append(r.error());
        }
        if (oldestFirst.size() > REFUSALS_SHOWN) {
            message.append("; and ").append(oldestFirst.size() - REFUSALS_SHOWN).append(" more");
        }
        return condition(previous, Vocabulary.POLICY_EVENTS_WRITTEN, "False", Vocabulary.REASON_EVENT_WRITES_FAILING, FindingMessages.cut(message.append('.').toString()),
                generation, now);
    }

    /** A condition of the status; its lastTransitionTime moves only when its status changes. */
    private static Condition condition(BacklogPolicyStatus previous, String type, String status, String reason, String message,
            Long generation, Instant now) {
        String transition = now.truncatedTo(ChronoUnit.SECONDS).toString();
        if (previous != null && previous.getConditions() != null) {
            for (Condition c : previous.getConditions()) {
                if (type.equals(c.getType()) && status.equals(c.getStatus()) && c.getLastTransitionTime() != null) {
                    transition = c.getLastTransitionTime();
                }
            }
        }
        return new ConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withObservedGeneration(generation).withLastTransitionTime(transition).build();
    }
}
