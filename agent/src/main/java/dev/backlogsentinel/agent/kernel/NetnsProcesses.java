package dev.backlogsentinel.agent.kernel;

import java.util.List;

/**
 * One network namespace found in a scan, with the processes that showed it.
 *
 * @param key     identity while the namespace lives: the inode of its /proc net/tcp entry, which
 *                every process shows without privilege (ns/net needs ptrace access, even for root on
 *                some machines). Proc inodes are recycled after a namespace dies, so state is kept
 *                only while the tracker holds the namespace open (see NetnsTracker).
 * @param nsInode the inode of ns/net (what `ip netns identify` and `lsns` show), or null when no
 *                process of this namespace lets us read it
 * @param pids    processes in this namespace, lowest first
 */
public record NetnsProcesses(long key, Long nsInode, List<Integer> pids) {

    /** Something done through one process of the namespace (open its files, enter it). */
    @FunctionalInterface
    public interface ThroughPid<T> {
        T apply(int pid) throws ReaderException;
    }

    /**
     * Tries the action through each process of the namespace, lowest pid first, until one
     * succeeds: a process may exit, or its pid be reused elsewhere, between discovery and now.
     *
     * @throws ReaderException the last process's failure, or that no process is left
     */
    public <T> T throughAnyPid(ThroughPid<T> action) throws ReaderException {
        ReaderException last = null;
        for (int pid : pids) {
            try {
                return action.apply(pid);
            } catch (ReaderException e) {
                last = e;
            }
        }
        throw last != null ? last : new ReaderException("namespace " + key + " has no process left");
    }
}
