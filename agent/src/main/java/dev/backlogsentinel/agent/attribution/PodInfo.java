package dev.backlogsentinel.agent.attribution;

import java.util.Map;

/**
 * The pod facts the agent needs: who it is, its labels, whether it shares the node's network
 * namespace, and its containers' names by the id the runtime gives them (as the process's cgroup shows it).
 *
 * @param containers container name by 64-hex container id (the runtime prefix, e.g. containerd://, removed)
 */
public record PodInfo(String namespace, String name, String uid, Map<String, String> labels, boolean hostNetwork,
        Map<String, String> containers) {

    public PodInfo(String namespace, String name, String uid, Map<String, String> labels, boolean hostNetwork) {
        this(namespace, name, uid, labels, hostNetwork, Map.of());
    }

    /** The name of the container with this id, or null. */
    public String containerName(String containerId) {
        return containerId == null ? null : containers.get(containerId);
    }
}
