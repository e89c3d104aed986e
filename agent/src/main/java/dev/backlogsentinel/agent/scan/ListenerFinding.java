package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.attribution.SocketOwner;
import dev.backlogsentinel.agent.kernel.Endpoint;
import dev.backlogsentinel.agent.kernel.ListenerSample;
import dev.backlogsentinel.agent.kernel.ReaderKind;
import dev.backlogsentinel.api.ListenerRules;

import java.util.Comparator;

/**
 * One listener as the agent reports it.
 *
 * @param depth        accept-queue length now, whole (the kernel's is an unsigned 32-bit value)
 * @param limit        the socket's limit (netlink), or the namespace's somaxconn as an upper bound
 *                     (procfs, limitedBy unknown), or null when neither is known
 * @param usagePercent 100 × depth ÷ max(limit, 1), one decimal; above 100 when full; null without a limit
 * @param full         depth &gt; limit, the kernel's own test: new connections are being dropped
 * @param synRecv      SYN_RECV request sockets at the last count (counted on demand, see SynRecvTrigger)
 * @param drops        the socket's own drop counter (netlink), or null
 * @param owner        the processes holding the socket, or null when not known (yet)
 */
public record ListenerFinding(Endpoint endpoint, long inode, long depth, Integer limit, LimitedBy limitedBy,
        Double usagePercent, boolean full, int synRecv, Long drops, SocketOwner owner) {

    public static ListenerFinding of(Endpoint endpoint, long inode, long depth, Integer limit, LimitedBy limitedBy,
            int synRecv, Long drops) {
        return of(endpoint, inode, depth, limit, limitedBy, synRecv, drops, null);
    }

    public static ListenerFinding of(Endpoint endpoint, long inode, long depth, Integer limit, LimitedBy limitedBy,
            int synRecv, Long drops, SocketOwner owner) {
        return new ListenerFinding(endpoint, inode, depth, limit, limitedBy, ListenerRules.usagePercent(depth, limit),
                ListenerRules.full(depth, limit), synRecv, drops, owner);
    }

    /**
     * The finding for a sample read through {@code reader}. Netlink gives the socket's own limit,
     * so what bounds it is known; procfs does not, and somaxconn stands in as an upper bound of the
     * real limit: "full" is still sound when it says true.
     */
    public static ListenerFinding from(ReaderKind reader, ListenerSample s, Integer somaxconn, int synRecv, SocketOwner owner) {
        if (reader == ReaderKind.NETLINK && s.limit() != null) {
            return of(s.endpoint(), s.inode(), s.depth(), s.limit(), LimitedBy.of(s.limit(), somaxconn), synRecv, s.drops(), owner);
        }
        return of(s.endpoint(), s.inode(), s.depth(), somaxconn, LimitedBy.UNKNOWN, synRecv, s.drops(), owner);
    }

    private static final Comparator<ListenerFinding> WORST_FIRST = ListenerRules.worstFirst(ListenerFinding::full,
            ListenerFinding::usagePercent, ListenerFinding::depth);

    /** Worst first: full before not, then by usage, then by depth ({@link ListenerRules#worstFirst}, as the operator orders). */
    public static int worstFirst(ListenerFinding a, ListenerFinding b) {
        return WORST_FIRST.compare(a, b);
    }

    /** The depth as the cluster API's int fields hold it: a depth beyond 2^31 - 1 (never a real queue) reads as that. */
    public int depthForApi() {
        return (int) Math.min(depth, Integer.MAX_VALUE);
    }
}
