package dev.backlogsentinel.agent.attribution;

/**
 * What one process's /proc/&lt;pid&gt;/cgroup says about it.
 *
 * @param kind        pod container, runtime helper beside a pod, not a pod at all, or a layout not understood
 * @param podUid      the pod UID with dashes (static pods: the 32-hex config hash), or null
 * @param containerId the 64-hex container id, or null
 * @param runtime     containerd, cri-o, docker, or null when the path does not say
 * @param cgroupPath  the path the decision was taken from (for "unrecognised" messages)
 */
public record ProcessAttribution(Kind kind, String podUid, String containerId, String runtime, String cgroupPath) {

    public enum Kind {
        /** A process of a pod's container (pause included). */
        POD,
        /**
         * A runtime process filed under the pod's cgroup but living in the host's network namespace
         * (CRI-O's conmon): it says nothing about which pod a namespace belongs to.
         */
        RUNTIME_HELPER,
        /** No kubepods in the path: a host or system process. */
        NOT_A_POD,
        /** A kubepods path whose layout is not known: shown as such, never guessed. */
        UNRECOGNISED
    }

    public static ProcessAttribution notAPod(String path) {
        return new ProcessAttribution(Kind.NOT_A_POD, null, null, null, path);
    }
}
