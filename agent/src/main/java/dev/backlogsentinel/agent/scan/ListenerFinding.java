package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.attribution.SocketOwner;
import dev.backlogsentinel.agent.kernel.Endpoint;

/**
 * One listener as the agent reports it.
 *
 * @param depth        accept-queue length now
 * @param limit        the socket's limit (netlink), or the namespace's somaxconn as an upper bound
 *                     (procfs, limitedBy unknown), or null when neither is known
 * @param usagePercent 100 × depth ÷ max(limit, 1), one decimal; above 100 when full; null without a limit
 * @param full         depth &gt; limit, the kernel's own test: new connections are being dropped
 * @param synRecv      SYN_RECV request sockets at the last count (counted on demand, see NodeScanner)
 * @param drops        the socket's own drop counter (netlink), or null
 * @param owner        the processes holding the socket, or null when not known (yet)
 */
public record ListenerFinding(Endpoint endpoint, long inode, int depth, Integer limit, LimitedBy limitedBy,
        Double usagePercent, boolean full, int synRecv, Long drops, SocketOwner owner) {

    public static ListenerFinding of(Endpoint endpoint, long inode, int depth, Integer limit, LimitedBy limitedBy,
            int synRecv, Long drops) {
        return of(endpoint, inode, depth, limit, limitedBy, synRecv, drops, null);
    }

    public static ListenerFinding of(Endpoint endpoint, long inode, int depth, Integer limit, LimitedBy limitedBy,
            int synRecv, Long drops, SocketOwner owner) {
        Double usage = limit == null ? null : Math.round(1000.0 * depth / Math.max(limit, 1)) / 10.0;
        boolean full = limit != null && depth > limit;
        return new ListenerFinding(endpoint, inode, depth, limit, limitedBy, usage, full, synRecv, drops, owner);
    }

    /** Worst first: full before not, then by usage, then by depth. */
    public static int worstFirst(ListenerFinding a, ListenerFinding b) {
        int c = Boolean.compare(b.full, a.full);
        if (c != 0) {
            return c;
        }
        c = Double.compare(b.usagePercent == null ? -1 : b.usagePercent, a.usagePercent == null ? -1 : a.usagePercent);
        return c != 0 ? c : Integer.compare(b.depth, a.depth);
    }
}
