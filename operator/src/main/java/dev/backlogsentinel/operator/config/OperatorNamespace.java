package dev.backlogsentinel.operator.config;

import dev.backlogsentinel.api.Conventions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The namespace the operator works in (agent Leases, leader election), by the rule the agent
 * follows too (Conventions.namespace): backlog.operator.namespace, else POD_NAMESPACE, else the
 * service account's, else backlog-sentinel.
 */
@ApplicationScoped
public class OperatorNamespace {

    private final String namespace;

    @Inject
    public OperatorNamespace(OperatorConfig config) {
        this(Conventions.namespace(config.namespace(), System::getenv, Conventions.SERVICE_ACCOUNT));
    }

    public OperatorNamespace(String namespace) {
        this.namespace = namespace;
    }

    public String get() {
        return namespace;
    }
}
