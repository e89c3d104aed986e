package dev.backlogsentinel.api.policy;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import java.util.Objects;

/** One Saturated listener as the policy's status lists it. */
public class SaturatedListener {

    @JsonPropertyDescription("Node the pod runs on.")
    private String node;
    @JsonPropertyDescription("Pod name (in the policy's namespace).")
    private String pod;
    @JsonPropertyDescription("Local address the socket listens on.")
    private String address;
    @JsonPropertyDescription("Listening port.")
    private Integer port;
    @JsonPropertyDescription("Accept-queue depth at the last report.")
    private Integer depth;
    @JsonPropertyDescription("The socket's accept-queue limit: min(listen() backlog, net.core.somaxconn).")
    private Integer limit;
    @JsonPropertyDescription("Which knob sets the limit: backlog (the application's listen() argument), somaxconn "
            + "(the namespace's sysctl) or unknown.")
    private String limitedBy;
    @JsonPropertyDescription("When the listener became Saturated (RFC 3339).")
    private String since;

    public SaturatedListener() {
    }

    public SaturatedListener(String node, String pod, String address, Integer port, Integer depth, Integer limit,
            String limitedBy, String since) {
        this.node = node;
        this.pod = pod;
        this.address = address;
        this.port = port;
        this.depth = depth;
        this.limit = limit;
        this.limitedBy = limitedBy;
        this.since = since;
    }

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

    public Integer getDepth() {
        return depth;
    }

    public void setDepth(Integer depth) {
        this.depth = depth;
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

    public String getSince() {
        return since;
    }

    public void setSince(String since) {
        this.since = since;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SaturatedListener s && Objects.equals(node, s.node) && Objects.equals(pod, s.pod)
                && Objects.equals(address, s.address) && Objects.equals(port, s.port) && Objects.equals(depth, s.depth)
                && Objects.equals(limit, s.limit) && Objects.equals(limitedBy, s.limitedBy) && Objects.equals(since, s.since);
    }

    @Override
    public int hashCode() {
        return Objects.hash(node, pod, address, port, depth, limit, limitedBy, since);
    }
}
