package dev.backlogsentinel.operator.config;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Leader election over the Lease backlog-sentinel-operator in the operator's namespace, so two
 * replicas never write conditions or events twice. The operator SDK activates it in the prod profile.
 *
 * <p>A replica that loses the Lease while running exits, so it cannot go on writing beside the new
 * leader. The SDK's own exit-on-stop-leading is off: on SIGTERM the SDK releases the Lease from the
 * shutdown hook, and System.exit there blocks forever (the process then ignores SIGTERM until it is
 * killed). Here releasing during shutdown is expected and does nothing, and a real loss exits from a
 * thread of its own.
 */
@Singleton
public class OperatorLeaderElection extends LeaderElectionConfiguration {

    public static final String LEASE = "backlog-sentinel-operator";
    private static final Logger LOG = Logger.getLogger(OperatorLeaderElection.class);
    private static final AtomicBoolean SHUTTING_DOWN = new AtomicBoolean();

    @Inject
    public OperatorLeaderElection(OperatorNamespace namespace) {
        super(LEASE, namespace.get(), Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2), null,
                new LeaderCallbacks(() -> LOG.info("leading: this replica writes conditions, events and status"),
                        OperatorLeaderElection::lostLeadership, leader -> LOG.infof("leader is %s", leader)),
                false);
    }

    /** Before the operator SDK stops (and releases the Lease): from now on, losing it is expected. */
    void shuttingDown(@Observes @Priority(1) ShutdownEvent event) {
        SHUTTING_DOWN.set(true);
    }

    static void lostLeadership() {
        if (SHUTTING_DOWN.get()) {
            return;
        }
        LOG.error("lost the leader Lease while running: exiting so that only the new leader writes");
        Thread.ofPlatform().name("leader-lost-exit").start(() -> System.exit(1));
    }
}
