package dev.backlogsentinel.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import java.util.Collection;
import java.util.Objects;

/**
 * What a policy matched and how many of its listeners are in each state: a report's count for one
 * node, and a policy status's sum of every node's.
 */
public abstract class ListenerCounts {

    @JsonPropertyDescription("Pods matched by the policy's podSelector: on this node in a report, on all nodes in the "
            + "policy's status.")
    private Integer matchedPods;
    @JsonPropertyDescription("Listening sockets watched: those of the matched pods on the policy's ports.")
    private Integer listeners;
    @JsonPropertyDescription("Of those, listeners in state Warning now.")
    private Integer warning;
    @JsonPropertyDescription("Of those, listeners in state Saturated now.")
    private Integer saturated;

    protected ListenerCounts() {
    }

    protected ListenerCounts(Integer matchedPods, Integer listeners, Integer warning, Integer saturated) {
        this.matchedPods = matchedPods;
        this.listeners = listeners;
        this.warning = warning;
        this.saturated = saturated;
    }

    /** Makes these counts the sums of the parts' (an unknown count adds nothing; no parts: all 0). */
    public void sumOf(Collection<? extends ListenerCounts> parts) {
        int pods = 0;
        int sockets = 0;
        int warn = 0;
        int sat = 0;
        for (ListenerCounts p : parts) {
            pods += zeroIfNull(p.matchedPods);
            sockets += zeroIfNull(p.listeners);
            warn += zeroIfNull(p.warning);
            sat += zeroIfNull(p.saturated);
        }
        matchedPods = pods;
        listeners = sockets;
        warning = warn;
        saturated = sat;
    }

    private static int zeroIfNull(Integer n) {
        return n == null ? 0 : n;
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

    /** The fields of this class are equal (for the subclasses' equals). */
    protected boolean sameCounts(ListenerCounts o) {
        return Objects.equals(matchedPods, o.matchedPods) && Objects.equals(listeners, o.listeners)
                && Objects.equals(warning, o.warning) && Objects.equals(saturated, o.saturated);
    }

    /** The hash of the fields of this class (for the subclasses' hashCode). */
    protected int countsHash() {
        return Objects.hash(matchedPods, listeners, warning, saturated);
    }
}
