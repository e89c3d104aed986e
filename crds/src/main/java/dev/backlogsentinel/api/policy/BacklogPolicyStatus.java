package dev.backlogsentinel.api.policy;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.backlogsentinel.api.ListenerCounts;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What the operator observed for a policy: its validity, and every node's report's counts ({@link ListenerCounts}) summed. */
public class BacklogPolicyStatus extends ListenerCounts {

    @JsonPropertyDescription("The metadata.generation this status was computed for.")
    private Long observedGeneration;
    @JsonPropertyDescription("Ready: True (reason Accepted) when the policy is valid and enforced; False with a reason "
            + "when it is not enforced.")
    private List<Condition> conditions = new ArrayList<>();
    @JsonPropertyDescription("The Saturated listeners, longest Saturated first, at most 20. Their live depths are in the nodes' "
            + "NodeBacklogReports.")
    private List<SaturatedListener> saturatedListeners = new ArrayList<>();

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    public List<SaturatedListener> getSaturatedListeners() {
        return saturatedListeners;
    }

    public void setSaturatedListeners(List<SaturatedListener> saturatedListeners) {
        this.saturatedListeners = saturatedListeners;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BacklogPolicyStatus s && sameCounts(s) && Objects.equals(observedGeneration, s.observedGeneration)
                && Objects.equals(conditions, s.conditions) && Objects.equals(saturatedListeners, s.saturatedListeners);
    }

    @Override
    public int hashCode() {
        return Objects.hash(countsHash(), observedGeneration, conditions, saturatedListeners);
    }
}
