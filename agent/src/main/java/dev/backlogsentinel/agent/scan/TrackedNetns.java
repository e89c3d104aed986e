package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.attribution.NetnsAttribution;
import dev.backlogsentinel.agent.kernel.Endpoint;
import dev.backlogsentinel.agent.kernel.NetnsCounters;
import dev.backlogsentinel.agent.kernel.NetnsSource;
import dev.backlogsentinel.agent.kernel.ScanErrors;
import dev.backlogsentinel.agent.procfs.CountersFiles;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A namespace the scanner holds open. Everything here lives exactly as long as the namespace is
 * seen: the open source and counter files pin it, so no other namespace can take its inode while
 * this state exists, and a namespace found again after being dropped starts from nothing.
 */
final class TrackedNetns implements AutoCloseable {

    final long key;
    Long nsInode;
    final NetnsSource source;
    /** Null when the namespace's netstat could not be opened. */
    final CountersFiles counters;
    List<Integer> pids = List.of();
    NetnsAttribution attribution;
    NetnsCounters lastCounters;
    /** When lastCounters was read (null before the first read), and scans since. */
    Instant lastCountersAt;
    int scansSinceCounters;
    Map<Endpoint, Integer> lastSynRecv = Map.of();
    boolean synRecvCounted;
    final ListenerOwners owners = new ListenerOwners();

    TrackedNetns(long key, Long nsInode, NetnsSource source, CountersFiles counters) {
        this.key = key;
        this.nsInode = nsInode;
        this.source = source;
        this.counters = counters;
    }

    /** Where an error of this namespace happened, for ScanErrors. */
    ScanErrors.Where where() {
        return ScanErrors.Where.netns(nsInode, key);
    }

    /** The namespace as people know it: net:[inode] as lsns shows it, else the agent's key. */
    String describe() {
        return nsInode != null ? "net:[" + nsInode + "]" : "key " + key;
    }

    @Override
    public void close() {
        source.close();
        if (counters != null) {
            counters.close();
        }
    }
}
