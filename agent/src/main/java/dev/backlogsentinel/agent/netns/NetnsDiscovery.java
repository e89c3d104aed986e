package dev.backlogsentinel.agent.netns;

import dev.backlogsentinel.agent.kernel.Libc;
import dev.backlogsentinel.agent.kernel.NetnsProcesses;
import dev.backlogsentinel.agent.kernel.ProcInodes;
import dev.backlogsentinel.agent.kernel.ScanErrors;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongPredicate;

/**
 * Finds every network namespace of the machine from the processes under the procfs root. A
 * process's namespace is the inode of its net/tcp entry; it is stat'ed when the process is new
 * (a pid with a /proc inode not seen before: a reused pid is a new inode) and again every
 * {@link #REVALIDATE_EVERY} scans, staggered by pid, for a process that moved to another namespace
 * (setns). In between a scan costs one directory listing, not one stat per process. ns/net is read
 * only for namespaces whose inode is not known yet.
 */
public final class NetnsDiscovery {

    static final int REVALIDATE_EVERY = 15;

    /** What one process instance showed: its /proc entry's inode, and its namespace's key. */
    private record Known(long procInode, long key) {
    }

    private final Path procRoot;
    private final Map<Integer, Known> known = new HashMap<>();
    private long scans;

    public NetnsDiscovery(Path procRoot) {
        this.procRoot = procRoot;
    }

    public Path procRoot() {
        return procRoot;
    }

    /**
     * @param needsNsInode tells, by key, whether the ns/net inode is wanted (for namespaces not yet tracked)
     * @return namespaces by key, in the order their lowest pid was found
     */
    public Map<Long, NetnsProcesses> discover(LongPredicate needsNsInode, ScanErrors errors) {
        scans++;
        Map<Long, List<Integer>> pidsByKey = new HashMap<>();
        Map<Long, Long> nsInodes = new HashMap<>();
        Map<Integer, Long> entries = listPids(errors);
        known.keySet().retainAll(entries.keySet());
        for (Map.Entry<Integer, Long> entry : entries.entrySet()) {
            int pid = entry.getKey();
            Known k = known.get(pid);
            long key;
            if (k != null && k.procInode() == entry.getValue() && (pid + scans) % REVALIDATE_EVERY != 0) {
                key = k.key();
            } else {
                Path tcp = procRoot.resolve(Integer.toString(pid)).resolve("net/tcp");
                try {
                    key = ProcInodes.of(tcp);
                } catch (NoSuchFileException e) {
                    errors.add(ScanErrors.Kind.VANISHED, ScanErrors.Where.file(tcp), "pid " + pid + " exited during discovery");
                    known.remove(pid);
                    continue;
                } catch (AccessDeniedException e) {
                    errors.add(ScanErrors.Kind.PERMISSION, ScanErrors.Where.file(tcp), "cannot stat " + e.getFile() + " (hidepid?)");
                    known.remove(pid);
                    continue;
                } catch (IOException | RuntimeException e) {
                    errors.add(ScanErrors.kindOf(e, ScanErrors.Kind.READ), ScanErrors.Where.file(tcp), "cannot stat " + tcp + ": " + e);
                    known.remove(pid);
                    continue;
                }
                known.put(pid, new Known(entry.getValue(), key));
            }
            pidsByKey.computeIfAbsent(key, x -> new ArrayList<>()).add(pid);
            if (!nsInodes.containsKey(key) && needsNsInode.test(key)) {
                try {
                    nsInodes.put(key, ProcInodes.of(procRoot.resolve(Integer.toString(pid)).resolve("ns/net")));
                } catch (IOException | RuntimeException e) {
                    // Without ptrace access the namespace is still read, through procfs, under its key.
                }
            }
        }
        Map<Long, NetnsProcesses> result = new LinkedHashMap<>();
        pidsByKey.forEach((key, list) -> result.put(key, new NetnsProcesses(key, nsInodes.get(key), List.copyOf(list))));
        return result;
    }

    /** The numeric entries of the procfs root (processes), with their inodes, by ascending pid. */
    private Map<Integer, Long> listPids(ScanErrors errors) {
        Map<Integer, Long> pids = new TreeMap<>();
        try {
            Libc.listNumbered(procRoot.toString(), pids::put);
        } catch (Libc.SyscallException e) {
            errors.add(ScanErrors.Kind.READ, ScanErrors.Where.file(procRoot), "cannot list " + procRoot + ": " + e.getMessage());
        }
        return pids;
    }
}
