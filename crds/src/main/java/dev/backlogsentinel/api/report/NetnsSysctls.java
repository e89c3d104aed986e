package dev.backlogsentinel.api.report;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** The TCP knobs of a listener's network namespace, read from inside it: each namespace has its own, not the host's. */
public class NetnsSysctls {

    @JsonPropertyDescription("net.core.somaxconn: the cap on every listen() backlog in the namespace; absent when unknown.")
    private Integer somaxconn;
    @JsonPropertyDescription("net.ipv4.tcp_syncookies: 0 off, 1 when the SYN queue is full (the default), 2 always; absent when unknown.")
    private Integer tcpSyncookies;
    @JsonPropertyDescription("net.ipv4.tcp_abort_on_overflow: 1 answers a handshake that completes while the accept queue is full "
            + "with a reset (RST); 0 (the default) drops it so the client retries; absent when unknown.")
    private Integer tcpAbortOnOverflow;
    @JsonPropertyDescription("net.ipv4.tcp_max_syn_backlog: with syncookies off, SYNs from new peers are dropped once the SYN queue "
            + "passes three quarters of it; absent when unknown.")
    private Integer tcpMaxSynBacklog;

    public NetnsSysctls() {
    }

    public NetnsSysctls(Integer somaxconn, Integer tcpSyncookies, Integer tcpAbortOnOverflow, Integer tcpMaxSynBacklog) {
        this.somaxconn = somaxconn;
        this.tcpSyncookies = tcpSyncookies;
        this.tcpAbortOnOverflow = tcpAbortOnOverflow;
        this.tcpMaxSynBacklog = tcpMaxSynBacklog;
    }

    public Integer getSomaxconn() {
        return somaxconn;
    }

    public void setSomaxconn(Integer somaxconn) {
        this.somaxconn = somaxconn;
    }

    public Integer getTcpSyncookies() {
        return tcpSyncookies;
    }

    public void setTcpSyncookies(Integer tcpSyncookies) {
        this.tcpSyncookies = tcpSyncookies;
    }

    public Integer getTcpAbortOnOverflow() {
        return tcpAbortOnOverflow;
    }

    public void setTcpAbortOnOverflow(Integer tcpAbortOnOverflow) {
        this.tcpAbortOnOverflow = tcpAbortOnOverflow;
    }

    public Integer getTcpMaxSynBacklog() {
        return tcpMaxSynBacklog;
    }

    public void setTcpMaxSynBacklog(Integer tcpMaxSynBacklog) {
        this.tcpMaxSynBacklog = tcpMaxSynBacklog;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NetnsSysctls other && Objects.equals(somaxconn, other.somaxconn) && Objects.equals(tcpSyncookies, other.tcpSyncookies) && Objects.equals(tcpAbortOnOverflow, other.tcpAbortOnOverflow) && Objects.equals(tcpMaxSynBacklog, other.tcpMaxSynBacklog);
    }

    @Override
    public int hashCode() {
        return Objects.hash(somaxconn, tcpSyncookies, tcpAbortOnOverflow, tcpMaxSynBacklog);
    }
}
