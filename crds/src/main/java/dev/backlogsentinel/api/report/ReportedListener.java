package dev.backlogsentinel.api.report;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.backlogsentinel.api.ListenQueue;
import dev.backlogsentinel.api.ListenerState;
import java.util.Objects;

/**
 * One listener that is not OK under one policy. A listener matched by several policies appears once
 * per policy. Its address, port, depth, limit, limitedBy and since are those of {@link ListenQueue}.
 */
public class ReportedListener extends ListenQueue {

    @JsonPropertyDescription("Name of the BacklogPolicy (in the pod's namespace) this state is under.")
    private String policy;
    @JsonPropertyDescription("The pod whose network namespace holds the socket.")
    private PodRef pod;
    @JsonPropertyDescription("Inode of the network namespace (as lsns shows it).")
    private Long netns;
    @JsonPropertyDescription("IPv4 or IPv6.")
    private String family;
    @JsonPropertyDescription("Warning or Saturated.")
    private ListenerState state;
    @JsonPropertyDescription("Highest depth seen since the listener left OK.")
    private Integer peakDepth;
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
    @JsonPropertyDescription("Whether the queue is full (depth above limit, the kernel's own test): the kernel is dropping "
            + "new connections. Absent in reports of agents older than this field.")
    private Boolean full;

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

    public ListenerState getState() {
        return state;
    }

    public void setState(ListenerState state) {
        this.state = state;
    }

    public Integer getPeakDepth() {
        return peakDepth;
    }

    public void setPeakDepth(Integer peakDepth) {
        this.peakDepth = peakDepth;
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

    /** As the agent reported it; null in a report of an agent older than the field (see {@link #full()}). */
    public Boolean getFull() {
        return full;
    }

    public void setFull(Boolean full) {
        this.full = full;
    }

    /**
     * Whether the queue is full: what the agent said, or, in a report of an agent older than the
     * field, the kernel's test on depth and limit. Not a JSON field.
     */
    @Override
    public boolean full() {
        return full != null ? full : super.full();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReportedListener other && sameQueue(other) && Objects.equals(policy, other.policy)
                && Objects.equals(pod, other.pod) && Objects.equals(netns, other.netns) && Objects.equals(family, other.family)
                && Objects.equals(state, other.state) && Objects.equals(peakDepth, other.peakDepth)
                && Objects.equals(synRecv, other.synRecv) && Objects.equals(overflowsTotal, other.overflowsTotal)
                && Objects.equals(dropsTotal, other.dropsTotal) && Objects.equals(process, other.process)
                && Objects.equals(sysctls, other.sysctls) && Objects.equals(reqQFullDropTotal, other.reqQFullDropTotal)
                && Objects.equals(full, other.full);
    }

    @Override
    public int hashCode() {
        return Objects.hash(queueHash(), policy, pod, netns, family, state, peakDepth, synRecv, overflowsTotal, dropsTotal,
                process, sysctls, reqQFullDropTotal, full);
    }
}
