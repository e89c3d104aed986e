package dev.backlogsentinel.api.report;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** What one policy matched on this node; the operator sums these into the policy status. */
public class PolicyCount {

    @JsonPropertyDescription("Namespace of the policy.")
    private String namespace;
    @JsonPropertyDescription("Name of the policy.")
    private String name;
    @JsonPropertyDescription("Pods of this node the policy matched.")
    private Integer matchedPods;
    @JsonPropertyDescription("Listening sockets of those pods on the policy's ports.")
    private Integer listeners;
    @JsonPropertyDescription("Of those, listeners in state Warning.")
    private Integer warning;
    @JsonPropertyDescription("Of those, listeners in state Saturated.")
    private Integer saturated;

    public PolicyCount() {
    }

    public PolicyCount(String namespace, String name, Integer matchedPods, Integer listeners, Integer warning, Integer saturated) {
        this.namespace = namespace;
        this.name = name;
        this.matchedPods = matchedPods;
        this.listeners = listeners;
        this.warning = warning;
        this.saturated = saturated;
    }

    public String getNamespace() {
        return namespace;
    }

    public void setNamespace(String namespace) {
        this.namespace = namespace;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
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

    @Override
    public boolean equals(Object o) {
        return o instanceof PolicyCount other && Objects.equals(namespace, other.namespace) && Objects.equals(name, other.name) && Objects.equals(matchedPods, other.matchedPods) && Objects.equals(listeners, other.listeners) && Objects.equals(warning, other.warning) && Objects.equals(saturated, other.saturated);
    }

    @Override
    public int hashCode() {
        return Objects.hash(namespace, name, matchedPods, listeners, warning, saturated);
    }
}
