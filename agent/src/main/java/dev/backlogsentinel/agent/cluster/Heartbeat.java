package dev.backlogsentinel.agent.cluster;

import java.time.Duration;
import java.time.Instant;

/**
 * Whether the agent may renew its Lease: only while it works. A thread that renews whatever
 * happens would keep a node "reporting" with its scan loop stuck or every report write refused;
 * withheld, the renewals stop, and the operator marks the node Unknown once its grace runs out.
 *
 * @param startedAt     when the agent started: the first scans and the informers get this long
 * @param stall         how long a scan may take, the informers may take to sync, and the API server may
 *                      refuse report writes before the agent counts as not working
 */
record Heartbeat(Instant startedAt, Duration stall) {

    /** Why not to renew now, or null when it may. */
    String withheldBecause(Instant now, Instant lastScan, boolean judging, Instant writesFailingSince) {
        boolean starting = !now.isAfter(startedAt.plus(stall));
        if (!starting && (lastScan == null || now.isAfter(lastScan.plus(stall)))) {
            return "no scan has completed since " + (lastScan == null ? "the agent started at " + startedAt : lastScan);
        }
        if (!starting && !judging) {
            return "the pods, the policies or the node's report have not come back from the API server since " + startedAt;
        }
        if (writesFailingSince != null && now.isAfter(writesFailingSince.plus(stall))) {
            return "the API server has refused the node's report since " + writesFailingSince;
        }
        return null;
    }

    /** A stall is ten scan intervals, and never less than one renewal interval. */
    static Duration stallFor(Duration scanInterval, Duration leaseRenewInterval) {
        Duration tenScans = scanInterval.multipliedBy(10);
        return tenScans.compareTo(leaseRenewInterval) > 0 ? tenScans : leaseRenewInterval;
    }
}
