package dev.backlogsentinel.api.report;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.backlogsentinel.api.ListenerState;
import java.util.Objects;

/** One listener that is not OK under one policy. A listener matched by several policies appears once per policy. */
public class ReportedListener {

    @JsonPropertyDescription("Name of the BacklogPolicy (in the pod's namespace) this state is under.")
    private String policy;
    @JsonPropertyDescription("The pod whose network namespace holds the socket.")
    private PodRef pod;
    @JsonPropertyDescription("Inode of the network namespace (as lsns shows it).")
    private Long netns;
    @JsonPropertyDescription("IPv4 or IPv6.")
    private String family;
    @JsonPropertyDescription("Local address the socket listens on.")
    private String address;
    @JsonPropertyDescription("Listening port.")
    private Integer port;
    @JsonPropertyDescription("Warning or Saturated.")
    private ListenerState state;
    @JsonPropertyDescription("When the listener entered this state (RFC 3339).")
    private String since;
    @JsonPropertyDescription("Accept-queue depth now.")
    private Integer depth;
    @JsonPropertyDescription("Highest depth seen since the listener left OK.")
    private Integer peakDepth;
    @JsonPropertyDescription("The socket's accept-queue limit: min(listen() backlog, net.core.somaxconn at listen time).")
    private Integer limit;
    @JsonPropertyDescription("Which knob sets the limit: backlog, somaxconn or unknown.")
    private String limitedBy;
    @JsonPropertyDescription("SYN_RECV request sockets at the last count.")
    private Integer synRecv;
    @JsonPropertyDescription("ListenOverflows of the network namespace, cumulative (packets).")
    private Long overflowsTotal;
    @JsonPropertyDescription("ListenDrops of the network namespace, cumulative (packets).")
    private Long dropsTotal;
    @JsonPropertyDescription("The process holding the socket, and the server it is recognised as; absent when not known.")
    private ListenerProcess process;
    @JsonPropertyDescription("The TCP knobs of the listener's network namespace, as read from inside it; absent when not read.")
    private NetnsSysctls sysctls;
    @JsonPropertyDescription("TCPReqQFullDrop of the network namespace, cumulative: SYNs dropped because the SYN queue was full "
            + "and syncookies did not apply.")
    private Long reqQFullDropTotal;

    public String getPolicy() {
        return policy;
    }

    public void setPolicy(String policy) {
        this.policy = policy;
    }

    public PodRef getPod() {
        return pod;
    }

    public void setPod(PodRef pod) {
        this.pod = pod;
    }

    public Long getNetns() {
        return netns;
    }

    public void setNetns(Long netns) {
        this.netns = netns;
    }

    public String getFamily() {
        return family;
    }

    public void setFamily(String family) {
        this.family = family;
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

    public ListenerState getState() {
        return state;
    }

    public void setState(ListenerState state) {
        this.state = state;
    }

    public String getSince() {
        return since;
    }

    public void setSince(String since) {
        this.since = since;
    }

    public Integer getDepth() {
        return depth;
    }

    public void setDepth(Integer depth) {
        this.depth = depth;
    }

    public Integer getPeakDepth() {
        return peakDepth;
    }

    public void setPeakDepth(Integer peakDepth) {
        this.peakDepth = peakDepth;
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

    public Integer getSynRecv() {
        return synRecv;
    }

    public void setSynRecv(Integer synRecv) {
        this.synRecv = synRecv;
    }

    public Long getOverflowsTotal() {
        return overflowsTotal;
    }

    public void setOverflowsTotal(Long overflowsTotal) {
        this.overflowsTotal = overflowsTotal;
    }

    public Long getDropsTotal() {
        return dropsTotal;
    }

    public void setDropsTotal(Long dropsTotal) {
        this.dropsTotal = dropsTotal;
    }

    public ListenerProcess getProcess() {
        return process;
    }

    public void setProcess(ListenerProcess process) {
        this.process = process;
    }

    public NetnsSysctls getSysctls() {
        return sysctls;
    }

    public void setSysctls(NetnsSysctls sysctls) {
        this.sysctls = sysctls;
    }

    public Long getReqQFullDropTotal() {
        return reqQFullDropTotal;
    }

    public void setReqQFullDropTotal(Long reqQFullDropTotal) {
        this.reqQFullDropTotal = reqQFullDropTotal;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReportedListener other && Objects.equals(policy, other.policy) && Objects.equals(pod, other.pod) && Objects.equals(netns, other.netns) && Objects.equals(family, other.family) && Objects.equals(address, other.address) && Objects.equals(port, other.port) && Objects.equals(state, other.state) && Objects.equals(since, other.since) && Objects.equals(depth, other.depth) && Objects.equals(peakDepth, other.peakDepth) && Objects.equals(limit, other.limit) && Objects.equals(limitedBy, other.limitedBy) && Objects.equals(synRecv, other.synRecv) && Objects.equals(overflowsTotal, other.overflowsTotal) && Objects.equals(dropsTotal, other.dropsTotal) && Objects.equals(process, other.process) && Objects.equals(sysctls, other.sysctls) && Objects.equals(reqQFullDropTotal, other.reqQFullDropTotal);
    }

    @Override
    public int hashCode() {
        return Objects.hash(policy, pod, netns, family, address, port, state, since, depth, peakDepth, limit, limitedBy, synRecv, overflowsTotal, dropsTotal, process, sysctls, reqQFullDropTotal);
    }
}
