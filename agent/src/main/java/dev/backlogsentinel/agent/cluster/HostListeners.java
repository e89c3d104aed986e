package dev.backlogsentinel.agent.cluster;

import dev.backlogsentinel.agent.attribution.SocketOwner;
import dev.backlogsentinel.agent.scan.ListenerFinding;

import java.util.function.IntFunction;

/**
 * Which hostNetwork pod a listener of the node's own network namespace belongs to: the pod whose
 * process holds the socket (the scan found its holders in their /proc/&lt;pid&gt;/fd, which needs
 * CAP_SYS_PTRACE for other users' processes), else none: the node's own.
 */
final class HostListeners {

    private HostListeners() {
    }

    /**
     * @param podOfProcess the pod UID a process's cgroup names, or null when it is not a pod's
     * @return the owning pod's UID, or null when the node itself owns the socket
     */
    static String podOf(ListenerFinding listener, IntFunction<String> podOfProcess) {
        SocketOwner owner = listener.owner();
        if (owner == null) {
            return null;
        }
        for (int pid : owner.pids()) {
            String uid = podOfProcess.apply(pid);
            if (uid != null) {
                return uid;
            }
        }
        return null;
    }
}
