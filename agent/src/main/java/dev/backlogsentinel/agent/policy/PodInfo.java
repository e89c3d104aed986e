package dev.backlogsentinel.agent.policy;

import java.util.Map;

/** The pod facts the agent needs: who it is, its labels, and whether it shares the node's network namespace. */
public record PodInfo(String namespace, String name, String uid, Map<String, String> labels, boolean hostNetwork) {
}
