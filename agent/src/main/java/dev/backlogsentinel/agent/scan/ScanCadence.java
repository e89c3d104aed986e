package dev.backlogsentinel.agent.scan;

/**
 * What a scan does besides reading every listener, for whom it serves: the command line shows
 * everything at once and live, as ss and nstat would; the node agent runs on every node for good,
 * so what it reads is what its findings need, and its first report comes quickly.
 *
 * @param synRecvAtFirstSight count SYN_RECV on a namespace's first scan, whatever its queues show
 *                            (a walk of the host's whole connection table per namespace)
 * @param idleCountersEvery   read the counters (net/netstat, the costliest file of a scan) of a
 *                            namespace whose listeners are all empty only every this many scans;
 *                            a namespace with a queue is read every scan. Counters are cumulative,
 *                            so a burst between reads is counted when they are next read.
 * @param ownersAtFirstScan   look for the processes holding sockets in the very first scan (a walk
 *                            of every fd of the node's processes) rather than from the second
 */
public record ScanCadence(boolean synRecvAtFirstSight, int idleCountersEvery, boolean ownersAtFirstScan) {

    /** The command line (local mode): everything, every scan. */
    public static final ScanCadence COMMAND_LINE = new ScanCadence(true, 1, true);

    /**
     * The node agent: no SYN_RECV count unless the queues call for it; an idle namespace's counters
     * every 5 scans (10 s at the default interval, well inside Prometheus' scrapes and the
     * policies' per-minute overflow rates); owners from the second scan, so the first report
     * goes out without waiting for them.
     */
    public static final ScanCadence NODE_AGENT = new ScanCadence(false, 5, false);

    public ScanCadence {
        if (idleCountersEvery < 1) {
            throw new IllegalArgumentException("idleCountersEvery must be at least 1, not " + idleCountersEvery);
        }
    }
}
