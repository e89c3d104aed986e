package dev.backlogsentinel.api.report;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.backlogsentinel.api.ListenerCounts;
import java.util.Objects;

/**
 * What one policy matched on this node ({@link ListenerCounts}); the operator sums these into the
 * policy status.
 */
public class PolicyCount extends ListenerCounts {

    @JsonPropertyDescription("Namespace of the policy.")
    private String namespace;
    @JsonPropertyDescription("Name of the policy.")
    private String name;

    public PolicyCount() {
    }

    public PolicyCount(String namespace, String name, Integer matchedPods, Integer listeners, Integer warning, Integer saturated) {
        super(matchedPods, listeners, warning, saturated);
        this.namespace = namespace;
        this.name = name;
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

    @Override
    public boolean equals(Object o) {
        return o instanceof PolicyCount other && sameCounts(other) && Objects.equals(namespace, other.namespace)
                && Objects.equals(name, other.name);
    }

    @Override
    public int hashCode() {
        return Objects.hash(countsHash(), namespace, name);
    }
}
