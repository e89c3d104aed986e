package dev.backlogsentinel.agent.attribution;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Whose network namespace this is, decided from the cgroups of all its processes.
 *
 * @param podUid       the pod, when exactly one pod's containers live in it
 * @param containerIds containers seen in it (pause included), sorted
 * @param detail       for UNRECOGNISED: the cgroup path not understood; for SHARED: the pod UIDs
 */
public record NetnsAttribution(Kind kind, String podUid, List<String> containerIds, String runtime, String detail) {

    public enum Kind {
        /** The agent's own namespace: the node's (hostNetwork pods live here too). */
        HOST,
        /** One pod's namespace. */
        POD,
        /** Processes of several pods: not a single pod's namespace. */
        SHARED,
        /** No pod processes (e.g. a container outside Kubernetes, or `ip netns`). */
        NONE,
        /** A kubepods cgroup layout this agent does not understand: not guessed. */
        UNRECOGNISED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Combines what each process of the namespace says. */
    public static NetnsAttribution of(boolean host, List<ProcessAttribution> processes) {
        Set<String> pods = new TreeSet<>();
        Set<String> containers = new TreeSet<>();
        String runtime = null;
        String unrecognised = null;
        for (ProcessAttribution p : processes) {
            switch (p.kind()) {
                case POD -> {
                    pods.add(p.podUid());
                    if (p.containerId() != null) {
                        containers.add(p.containerId());
                    }
                    if (runtime == null) {
                        runtime = p.runtime();
                    }
                }
                case UNRECOGNISED -> unrecognised = unrecognised == null ? p.cgroupPath() : unrecognised;
                case RUNTIME_HELPER, NOT_A_POD -> {
                    // conmon lives in the host namespace; host processes say nothing about pods.
                }
            }
        }
        List<String> ids = new ArrayList<>(containers);
        if (host) {
            return new NetnsAttribution(Kind.HOST, null, List.of(), null, null);
        }
        if (pods.size() == 1) {
            return new NetnsAttribution(Kind.POD, pods.iterator().next(), ids, runtime, null);
        }
        if (pods.size() > 1) {
            return new NetnsAttribution(Kind.SHARED, null, ids, runtime, String.join(",", pods));
        }
        if (unrecognised != null) {
            return new NetnsAttribution(Kind.UNRECOGNISED, null, List.of(), null, unrecognised);
        }
        return new NetnsAttribution(Kind.NONE, null, List.of(), null, null);
    }
}
