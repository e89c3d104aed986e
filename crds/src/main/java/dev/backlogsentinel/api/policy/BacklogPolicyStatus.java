package dev.backlogsentinel.api.policy;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What the operator observed for a policy, summed over every node's report. */
public class BacklogPolicyStatus {

    @JsonPropertyDescription("The metadata.generation this status was computed for.")
    private Long observedGeneration;
    @JsonPropertyDescription("Ready: True (reason Accepted) when the policy is valid and enforced; False with a reason "
            + "when it is not enforced.")
    private List<Condition> conditions = new ArrayList<>();
    @JsonPropertyDescription("Pods matched by podSelector, on all nodes.")
    private Integer matchedPods;
    @JsonPropertyDescription("Listening sockets watched (selected pods, selected ports), on all nodes.")
    private Integer listeners;
    @JsonPropertyDescription("Listeners in state Warning now.")
    private Integer warning;
    @JsonPropertyDescription("Listeners in state Saturated now.")
    private Integer saturated;
    @JsonPropertyDescription("The Saturated listeners, worst first, at most 20.")
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

    public Integer getMatchedPods() {
        return matchedPods;
    }

    public void setMatchedPods(Integer matchedPods) {
        this.matchedPods = matchedPods;
    }

    public Integer getListeners() {
        return listeners;
    }

    public void setListeners(Integer listeners) {
        this.listeners = listeners;
    }

    public Integer getWarning() {
        return warning;
    }

    public void setWarning(Integer warning) {
        this.warning = warning;
    }

    public Integer getSaturated() {
        return saturated;
    }

    public void setSaturated(Integer saturated) {
        this.saturated = saturated;
    }

    public List<SaturatedListener> getSaturatedListeners() {
        return saturatedListeners;
    }

    public void setSaturatedListeners(List<SaturatedListener> saturatedListeners) {
        this.saturatedListeners = saturatedListeners;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BacklogPolicyStatus s && Objects.equals(observedGeneration, s.observedGeneration)
                && Objects.equals(conditions, s.conditions) && Objects.equals(matchedPods, s.matchedPods)
                && Objects.equals(listeners, s.listeners) && Objects.equals(warning, s.warning)
                && Objects.equals(saturated, s.saturated) && Objects.equals(saturatedListeners, s.saturatedListeners);
    }

    @Override
    public int hashCode() {
        return Objects.hash(observedGeneration, conditions, matchedPods, listeners, warning, saturated, saturatedListeners);
    }
}
