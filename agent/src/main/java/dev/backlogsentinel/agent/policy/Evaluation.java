package dev.backlogsentinel.agent.policy;

import java.util.List;

/**
 * A scan judged against the policies.
 *
 * @param notOk    listeners in Warning or Saturated, once per policy, worst first
 * @param policies counts for every valid policy of a namespace with pods on this node
 * @param matched  listeners matched by at least one policy
 */
public record Evaluation(List<EvaluatedListener> notOk, List<PolicyCounts> policies, int matched) {
}
