package dev.backlogsentinel.api.report;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** Counts of what the agent read on this node in its last scan. */
public class ReportTotals {

    @JsonPropertyDescription("Network namespaces read.")
    private Integer namespaces;
    @JsonPropertyDescription("Listening sockets found.")
    private Integer listeners;
    @JsonPropertyDescription("Listening sockets matched by at least one policy.")
    private Integer matched;

    public ReportTotals() {
    }

    public ReportTotals(Integer namespaces, Integer listeners, Integer matched) {
        this.namespaces = namespaces;
        this.listeners = listeners;
        this.matched = matched;
    }

    public Integer getNamespaces() {
        return namespaces;
    }

    public void setNamespaces(Integer namespaces) {
        this.namespaces = namespaces;
    }

    public Integer getListeners() {
        return listeners;
    }

    public void setListeners(Integer listeners) {
        this.listeners = listeners;
    }

    public Integer getMatched() {
        return matched;
    }

    public void setMatched(Integer matched) {
        this.matched = matched;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReportTotals other && Objects.equals(namespaces, other.namespaces) && Objects.equals(listeners, other.listeners) && Objects.equals(matched, other.matched);
    }

    @Override
    public int hashCode() {
        return Objects.hash(namespaces, listeners, matched);
    }
}
