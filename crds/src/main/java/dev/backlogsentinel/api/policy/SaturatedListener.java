package dev.backlogsentinel.api.policy;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.backlogsentinel.api.report.ReportedListener;

import java.util.Comparator;
import java.util.Objects;

/**
 * One Saturated listener as the policy's status lists it: where it is, its limit and since when it
 * is Saturated. Not its depth: a depth moves at every scan, and every agent watches every policy, so
 * a status that carried it would be rewritten, and sent to every node, all through an incident. The
 * live depth is in the node's report ({@code kubectl get nbr <node> -o yaml}).
 */
public class SaturatedListener {

    @JsonPropertyDescription("Node the pod runs on.")
    private String node;
    @JsonPropertyDescription("Pod name (in the policy's namespace).")
    private String pod;
    @JsonPropertyDescription("Local address the socket listens on.")
    private String address;
    @JsonPropertyDescription("Listening port.")
    private Integer port;
    @JsonPropertyDescription("When the listener became Saturated (RFC 3339).")
    private String since;
    @JsonPropertyDescription("The socket's accept-queue limit: min(listen() backlog, net.core.somaxconn at listen time).")
    private Integer limit;
    @JsonPropertyDescription("Which knob sets the limit: backlog (the application's listen() argument), somaxconn "
            + "(the namespace's sysctl) or unknown.")
    private String limitedBy;

    public SaturatedListener() {
    }

    /** A reported listener, on a node, in a pod: what of it stays true while it stays Saturated. */
    public SaturatedListener(String node, String pod, ReportedListener reported) {
        this.node = node;
        this.pod = pod;
        this.address = reported.getAddress();
        this.port = reported.getPort();
        this.since = reported.getSince();
        this.limit = reported.getLimit();
        this.limitedBy = reported.getLimitedBy();
    }

    /**
     * Longest Saturated first (RFC 3339 UTC times sort as text), then by node, pod and port: an order
     * that holds while the incident holds, whatever the depths do.
     */
    public static final Comparator<SaturatedListener> LONGEST_FIRST = Comparator
            .comparing((SaturatedListener s) -> s.since == null ? "~" : s.since)
            .thenComparing(s -> s.node + "/" + s.pod + ":" + s.port);

    public String getNode() {
        return node;
    }

    public void setNode(String node) {
        this.node = node;
    }

    public String getPod() {
        return pod;
    }

    public void setPod(String pod) {
        this.pod = pod;
    }

    public String getAddress() {
        return address;
    }

    public void setAddress(String address) {
        this.address = address;
    }

    public Integer getPort() {
        return port;
    }

    public void setPort(Integer port) {
        this.port = port;
    }

    public String getSince() {
        return since;
    }

    public void setSince(String since) {
        this.since = since;
    }

    public Integer getLimit() {
        return limit;
    }

    public void setLimit(Integer limit) {
        this.limit = limit;
    }

    public String getLimitedBy() {
        return limitedBy;
    }

    public void setLimitedBy(String limitedBy) {
        this.limitedBy = limitedBy;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SaturatedListener s && Objects.equals(node, s.node) && Objects.equals(pod, s.pod)
                && Objects.equals(address, s.address) && Objects.equals(port, s.port) && Objects.equals(since, s.since)
                && Objects.equals(limit, s.limit) && Objects.equals(limitedBy, s.limitedBy);
    }

    @Override
    public int hashCode() {
        return Objects.hash(node, pod, address, port, since, limit, limitedBy);
    }
}
