package dev.backlogsentinel.agent.cluster;

import dev.backlogsentinel.agent.scan.ListenerFinding;
import dev.backlogsentinel.agent.scan.NetnsScan;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * Which hostNetwork pod owns each listener of the node's own network namespace: the pod whose
 * process holds the socket (its inode among /proc/&lt;pid&gt;/fd links, which needs CAP_SYS_PTRACE for
 * other users' processes). Only processes that their cgroup places in a pod are searched, each
 * socket once: the answer, owned or not, is kept while the socket lives.
 */
public final class HostSocketOwners {

    private static final String NONE = "";

    private final Path procRoot;
    private final Map<Long, String> owners = new HashMap<>();

    public HostSocketOwners(Path procRoot) {
        this.procRoot = procRoot;
    }

    /**
     * Brings the answers up to date with the host namespace's listeners.
     *
     * @param podOfProcess the pod UID of a process from its cgroup, or null when it is not a pod's
     */
    public void refresh(NetnsScan host, IntFunction<String> podOfProcess) {
        Set<Long> live = new HashSet<>();
        Set<Long> wanted = new HashSet<>();
        for (ListenerFinding l : host.listeners()) {
            live.add(l.inode());
            if (l.inode() != 0 && !owners.containsKey(l.inode())) {
                wanted.add(l.inode());
            }
        }
        owners.keySet().retainAll(live);
        if (wanted.isEmpty()) {
            return;
        }
        for (int pid : host.pids()) {
            String uid = podOfProcess.apply(pid);
            if (uid == null) {
                continue;
            }
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(procRoot.resolve(Integer.toString(pid)).resolve("fd"))) {
                for (Path fd : fds) {
                    long inode = socketInode(fd);
                    if (inode > 0 && wanted.remove(inode)) {
                        owners.put(inode, uid);
                    }
                }
            } catch (IOException | SecurityException e) {
                // Exited, or not ours to read without CAP_SYS_PTRACE: its sockets stay the node's own.
            }
            if (wanted.isEmpty()) {
                break;
            }
        }
        wanted.forEach(inode -> owners.put(inode, NONE));
    }

    /** The owning pod's UID, or null when the node itself owns the socket. */
    public String ownerOf(long inode) {
        String uid = owners.get(inode);
        return uid == null || uid.isEmpty() ? null : uid;
    }

    private static long socketInode(Path fd) {
        try {
            String target = Files.readSymbolicLink(fd).toString();
            if (target.startsWith("socket:[") && target.endsWith("]")) {
                return Long.parseLong(target, 8, target.length() - 1, 10);
            }
        } catch (IOException | NumberFormatException | UnsupportedOperationException e) {
            // A closed fd or not a socket.
        }
        return -1;
    }
}
