package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.attribution.PodInfo;

import java.util.function.Function;

/**
 * Which pod each listener of a network namespace belongs to: the namespace's pod, or for the node's
 * own namespace the hostNetwork pod holding the socket; null when none (local mode knows no pods).
 * Asked once per namespace, so what is common to its listeners is worked out once.
 */
@FunctionalInterface
public interface PodLookup {

    /** No pods: every listener is its namespace's alone. */
    PodLookup NONE = ns -> listener -> null;

    /** The pod of each listener of this namespace, or null. */
    Function<ListenerFinding, PodInfo> in(NetnsScan ns);
}
