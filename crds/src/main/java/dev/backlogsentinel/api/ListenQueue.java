package dev.backlogsentinel.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import java.util.Comparator;
import java.util.Objects;

/**
 * One listen queue as the agent last read it: where it listens, how full it is, what sets its
 * limit, and since when it is in its state: a report's listener is this, with what it adds.
 */
public abstract class ListenQueue {

    @JsonPropertyDescription("Local address the socket listens on.")
    private String address;
    @JsonPropertyDescription("Listening port.")
    private Integer port;
    @JsonPropertyDescription("When the listener entered this state (RFC 3339).")
    private String since;
    @JsonPropertyDescription("Accept-queue depth when the agent last read it.")
    private Integer depth;
    @JsonPropertyDescription("The socket's accept-queue limit: min(listen() backlog, net.core.somaxconn at listen time).")
    private Integer limit;
    @JsonPropertyDescription("Which knob sets the limit: backlog (the application's listen() argument), somaxconn "
            + "(the namespace's sysctl) or unknown.")
    private String limitedBy;

    protected ListenQueue() {
    }

    /** A copy of another's queue fields. */
    protected ListenQueue(ListenQueue other) {
        this.address = other.address;
        this.port = other.port;
        this.since = other.since;
        this.depth = other.depth;
        this.limit = other.limit;
        this.limitedBy = other.limitedBy;
    }

    /** Worst first by {@link ListenerRules#worstFirst}; ties unbroken. */
    public static <T extends ListenQueue> Comparator<T> worstFirst() {
        return ListenerRules.worstFirst(ListenQueue::full, q -> ListenerRules.usagePercent(q.getDepth(), q.getLimit()),
                q -> q.getDepth() == null ? 0 : q.getDepth());
    }

    /** Whether the queue is full: the kernel's test on depth and limit ({@link ListenerRules#full}). Not a JSON field. */
    public boolean full() {
        return ListenerRules.full(depth, limit);
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

    /** The fields of this class are equal (for the subclasses' equals). */
    protected boolean sameQueue(ListenQueue o) {
        return Objects.equals(address, o.address) && Objects.equals(port, o.port) && Objects.equals(since, o.since)
                && Objects.equals(depth, o.depth) && Objects.equals(limit, o.limit) && Objects.equals(limitedBy, o.limitedBy);
    }

    /** The hash of the fields of this class (for the subclasses' hashCode). */
    protected int queueHash() {
        return Objects.hash(address, port, since, depth, limit, limitedBy);
    }
}
