package dev.backlogsentinel.operator.config;

import dev.backlogsentinel.api.Conventions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The namespaces the operator works in. Its own (leader election), by the rule the agent follows
 * too (Conventions.namespace): backlog.operator.namespace, else POD_NAMESPACE, else the service
 * account's, else backlog-sentinel. The agents' (their heartbeat Leases): backlog.operator.agent-namespace,
 * else its own. The chart runs the agent in a namespace of its own, so that an agent's token has no
 * right in the operator's.
 */
@ApplicationScoped
public class OperatorNamespace {

    private final String namespace;
    private final String agents;

    @Inject
    public OperatorNamespace(OperatorConfig config) {
        this(Conventions.namespace(config.namespace(), System::getenv, Conventions.SERVICE_ACCOUNT), config.agentNamespace());
    }

    private OperatorNamespace(String namespace, java.util.Optional<String> agents) {
        this(namespace, agents.filter(a -> !a.isBlank()).map(String::strip).orElse(namespace));
    }

    public OperatorNamespace(String namespace, String agents) {
        this.namespace = namespace;
        this.agents = agents;
    }

    /** The operator's own: its leader-election Lease. */
    public String get() {
        return namespace;
    }

    /** The agents': their heartbeat Leases. */
    public String agents() {
        return agents;
    }
}
