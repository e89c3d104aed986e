package dev.backlogsentinel.operator.config;

import dev.backlogsentinel.api.Vocabulary;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** The operator's settings, under backlog.operator.* (env: BACKLOG_OPERATOR_*). */
@ConfigMapping(prefix = "backlog.operator")
public interface OperatorConfig {

    /** An agent Lease not renewed for this long makes its node's condition Unknown. */
    @WithDefault("100s")
    Duration agentGrace();

    /** Namespace of leader election; else POD_NAMESPACE, the service account's, or backlog-sentinel. */
    Optional<String> namespace();

    /**
     * Namespace of the agents' heartbeat Leases (the agent's own namespace, where the chart runs it
     * apart from the operator); else the operator's namespace.
     */
    Optional<String> agentNamespace();

    /**
     * The agents' ServiceAccount, in their namespace: its writes are held to its own node's objects
     * at admission (AgentWrites).
     */
    @WithDefault(Vocabulary.AGENT)
    String agentServiceAccount();

    /**
     * A policy's status is patched at most this often (a spec change excepted): every agent watches
     * every policy, status included, so each patch is delivered to every node.
     */
    @WithDefault("10s")
    Duration policyStatusMinInterval();

    /** At most this many Saturated listeners in a policy's status. */
    @WithDefault("20")
    int maxSaturatedListeners();

    /**
     * While a finding lasts, each of its events is raised (count, lastTimestamp, current values) at
     * most this often: bounded writes, and an Event kept alive within the server's --event-ttl.
     */
    @WithDefault("1m")
    Duration eventRefreshInterval();

    /** The node condition's message names at most this many listeners, longest Saturated first. */
    @WithDefault("3")
    int conditionListeners();
}
