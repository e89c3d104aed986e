package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.kernel.ListenerSample;
import dev.backlogsentinel.agent.kernel.NetnsCounters;

import java.util.List;

/**
 * Whether a namespace's SYN_RECV requests are counted this scan. Counting walks the host's whole
 * connection table, so it is done only when it can change what is shown: when the namespace's
 * SYN-queue counters moved, when one of its listeners is at {@code nearPercent} of its limit
 * (a full accept queue is when SYN queues fill), and, for the command line, at first sight.
 * Between counts a listener carries its last count.
 */
record SynRecvTrigger(int nearPercent, boolean atFirstSight) {

    SynRecvTrigger(int nearPercent, ScanCadence cadence) {
        this(nearPercent, cadence.synRecvAtFirstSight());
    }

    /**
     * @param countedBefore whether this namespace's SYN_RECV has been counted since it was tracked
     * @param delta         its counters' movement this scan, or null
     * @param somaxconn     the namespace's somaxconn, the limit of a listener whose own is unknown
     */
    boolean due(boolean countedBefore, NetnsCounters delta, List<ListenerSample> listeners, Integer somaxconn) {
        if ((!countedBefore && atFirstSight) || (delta != null && delta.synQueueMoved())) {
            return true;
        }
        for (ListenerSample s : listeners) {
            Integer limit = s.limit() != null ? s.limit() : somaxconn;
            if (limit != null && 100L * s.depth() >= (long) nearPercent * Math.max(limit, 1)) {
                return true;
            }
        }
        return false;
    }
}
