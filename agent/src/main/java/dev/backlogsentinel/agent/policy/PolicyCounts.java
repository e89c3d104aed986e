package dev.backlogsentinel.agent.policy;

/** What one policy matched on this node in one evaluation. */
public record PolicyCounts(String namespace, String name, int matchedPods, int listeners, int warning, int saturated) {
}
