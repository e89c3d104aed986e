package dev.backlogsentinel.agent.kernel;

/**
 * Cumulative TCP counters of one network namespace (TcpExt of /proc/net/netstat).
 * They are shared by IPv4 and IPv6 and count packets (a SYN and its retransmits), not connections.
 * The kernel's counters are unsigned 64-bit: a value above 2^63 is held as its two's complement
 * (negative here) and compared unsigned; {@link #unsigned} gives it back as a number.
 */
public record NetnsCounters(long listenOverflows, long listenDrops, long reqQFullDrop, long reqQFullDoCookies,
        long syncookiesSent) {

    public static final NetnsCounters ZERO = new NetnsCounters(0, 0, 0, 0, 0);

    /**
     * The change since an earlier reading. A counter that went backwards cannot belong to the same
     * namespace lifetime, so the delta is taken from zero rather than reported negative.
     */
    public NetnsCounters since(NetnsCounters earlier) {
        return new NetnsCounters(delta(listenOverflows, earlier.listenOverflows),
                delta(listenDrops, earlier.listenDrops), delta(reqQFullDrop, earlier.reqQFullDrop),
                delta(reqQFullDoCookies, earlier.reqQFullDoCookies), delta(syncookiesSent, earlier.syncookiesSent));
    }

    /** True when the SYN queue overflowed or fell back to cookies: the cue to count SYN_RECV. */
    public boolean synQueueMoved() {
        return reqQFullDrop > 0 || reqQFullDoCookies > 0 || syncookiesSent > 0;
    }

    private static long delta(long now, long before) {
        return Long.compareUnsigned(now, before) >= 0 ? now - before : now;
    }

    /** A counter as the number the kernel means (for metrics and JSON). */
    public static double unsigned(long counter) {
        return counter >= 0 ? counter : counter + 0x1p64;
    }
}
