package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.attribution.NetnsAttribution;
import dev.backlogsentinel.agent.kernel.NetnsCounters;
import dev.backlogsentinel.agent.kernel.NetnsKnobs;
import dev.backlogsentinel.agent.kernel.ReaderKind;

import java.time.Duration;
import java.util.List;

/**
 * One network namespace in one scan.
 *
 * @param key       identity while it lives (see NetnsProcesses)
 * @param nsInode   ns/net inode as lsns shows it, or null when unreadable
 * @param sysctls   the namespace's TCP knobs, those the reader can see
 * @param counters  cumulative counters, or null when they could not be read
 * @param delta     change since the counters were last read; null when they were not read this scan
 *                  (idle namespaces are read less often: ScanCadence) or on its first scan
 * @param deltaOver the time delta spans, null with it
 * @param listeners worst first
 */
public record NetnsScan(long key, Long nsInode, ReaderKind reader, NetnsAttribution attribution, List<Integer> pids,
        NetnsKnobs sysctls, NetnsCounters counters, NetnsCounters delta, Duration deltaOver, List<ListenerFinding> listeners) {

    /** net.core.somaxconn of this namespace, or null when the reader cannot see it. */
    public Integer somaxconn() {
        return sysctls.somaxconn();
    }

    public ListenerFinding worst() {
        return listeners.isEmpty() ? null : listeners.getFirst();
    }
}
