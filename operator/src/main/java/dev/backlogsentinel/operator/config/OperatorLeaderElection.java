package dev.backlogsentinel.operator.config;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * Leader election over the Lease backlog-sentinel-operator in the operator's namespace, so two
 * replicas never write conditions or events twice. The operator SDK activates it in the prod profile.
 */
@Singleton
public class OperatorLeaderElection extends LeaderElectionConfiguration {

    public static final String LEASE = "backlog-sentinel-operator";

    @Inject
    public OperatorLeaderElection(OperatorNamespace namespace) {
        super(LEASE, namespace.get());
    }
}
