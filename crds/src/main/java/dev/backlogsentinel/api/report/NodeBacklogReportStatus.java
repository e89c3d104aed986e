package dev.backlogsentinel.api.report;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What the agent of one node reports: written when a state or the set of non-OK listeners changes, values refreshed at most every few seconds. */
public class NodeBacklogReportStatus {

    @JsonPropertyDescription("Version of the agent that wrote this report.")
    private String agentVersion;
    @JsonPropertyDescription("How the agent reads listen queues: netlink, procfs, or netlink+procfs.")
    private String reader;
    @JsonPropertyDescription("When these values were read (RFC 3339). Not a heartbeat: liveness is the agent's Lease.")
    private String updatedAt;
    @JsonPropertyDescription("What the agent read on this node.")
    private ReportTotals totals;
    @JsonPropertyDescription("Per policy: what it matched on this node.")
    private List<PolicyCount> policies = new ArrayList<>();
    @JsonPropertyDescription("Listeners that are not OK, one entry per policy they are matched by.")
    private List<ReportedListener> listeners = new ArrayList<>();

    public String getAgentVersion() {
        return agentVersion;
    }

    public void setAgentVersion(String agentVersion) {
        this.agentVersion = agentVersion;
    }

    public String getReader() {
        return reader;
    }

    public void setReader(String reader) {
        this.reader = reader;
    }

    public String getUpdatedAt() {
        return updatedAt;
    }

    public void setUpdatedAt(String updatedAt) {
        this.updatedAt = updatedAt;
    }

    public ReportTotals getTotals() {
        return totals;
    }

    public void setTotals(ReportTotals totals) {
        this.totals = totals;
    }

    public List<PolicyCount> getPolicies() {
        return policies;
    }

    public void setPolicies(List<PolicyCount> policies) {
        this.policies = policies;
    }

    public List<ReportedListener> getListeners() {
        return listeners;
    }

    public void setListeners(List<ReportedListener> listeners) {
        this.listeners = listeners;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NodeBacklogReportStatus other && Objects.equals(agentVersion, other.agentVersion) && Objects.equals(reader, other.reader) && Objects.equals(updatedAt, other.updatedAt) && Objects.equals(totals, other.totals) && Objects.equals(policies, other.policies) && Objects.equals(listeners, other.listeners);
    }

    @Override
    public int hashCode() {
        return Objects.hash(agentVersion, reader, updatedAt, totals, policies, listeners);
    }
}
