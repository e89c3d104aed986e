package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.attribution.NetnsAttribution;
import dev.backlogsentinel.agent.kernel.NetnsCounters;
import dev.backlogsentinel.agent.kernel.NetnsSysctls;
import dev.backlogsentinel.agent.kernel.ReaderKind;

import java.util.List;

/**
 * One network namespace in one scan.
 *
 * @param key       identity while it lives (see NetnsProcesses)
 * @param nsInode   ns/net inode as lsns shows it, or null when unreadable
 * @param sysctls   the namespace's TCP knobs, those the reader can see
 * @param counters  cumulative counters, or null when they could not be read
 * @param delta     change since this namespace's previous scan; null on its first scan
 * @param listeners worst first
 */
public record NetnsScan(long key, Long nsInode, ReaderKind reader, NetnsAttribution attribution, List<Integer> pids,
        NetnsSysctls sysctls, NetnsCounters counters, NetnsCounters delta, List<ListenerFinding> listeners) {

    /** net.core.somaxconn of this namespace, or null when the reader cannot see it. */
    public Integer somaxconn() {
        return sysctls.somaxconn();
    }

    public ListenerFinding worst() {
        return listeners.isEmpty() ? null : listeners.getFirst();
    }
}
