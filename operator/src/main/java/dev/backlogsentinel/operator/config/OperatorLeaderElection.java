package dev.backlogsentinel.operator.config;

import dev.backlogsentinel.api.Vocabulary;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * Leader election over the Lease backlog-sentinel-operator in the operator's namespace, so two
 * replicas never write conditions or events twice. The operator SDK activates it in the prod profile.
 *
 * <p>A replica that loses the Lease while running exits, so it cannot go on writing beside the new
 * leader. The SDK's own exit-on-stop-leading is off: on SIGTERM the SDK stops leading from the
 * shutdown hook, and System.exit there blocks forever (the process then ignores SIGTERM until it is
 * killed). Here stopping during shutdown is expected and does nothing, and a real loss exits from a
 * thread of its own.
 *
 * <p>The SDK stops leading without releasing the Lease (it builds its elector with releaseOnCancel
 * off), so after a rollout, a drain or a deleted leader pod the other replica waited out the whole
 * lease duration (15 s) before anything was written again. Once the SDK has stopped, a leader that
 * shuts down releases the Lease itself, as client-go's ReleaseOnCancel does: no holder, a duration
 * of one second. The other replica takes it at its next try (every 2 s).
 */
@Singleton
public class OperatorLeaderElection extends LeaderElectionConfiguration {

    public static final String LEASE = Vocabulary.OPERATOR_LEASE;
    private static final Logger LOG = Logger.getLogger(OperatorLeaderElection.class);
    private static final AtomicBoolean SHUTTING_DOWN = new AtomicBoolean();

    private final String namespace;
    private final String identity;

    @Inject
    public OperatorLeaderElection(OperatorNamespace namespace) {
        this(namespace.get(), identity(System::getenv));
    }

    private OperatorLeaderElection(String namespace, String identity) {
        super(LEASE, namespace, Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2), identity,
                new LeaderCallbacks(() -> LOG.info("leading: this replica writes conditions, events and status"),
                        OperatorLeaderElection::lostLeadership, leader -> LOG.infof("leader is %s", leader)),
                false);
        this.namespace = namespace;
        this.identity = identity;
    }

    /** This replica's name in the Lease: its pod's name (POD_NAME, else HOSTNAME), else a random one. */
    static String identity(Function<String, String> env) {
        for (String name : new String[] {"POD_NAME", "HOSTNAME"}) {
            String value = env.apply(name);
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        return UUID.randomUUID().toString();
    }

    /** Before the operator SDK stops leading: from now on, losing the Lease is expected. */
    void shuttingDown(@Observes @Priority(1) ShutdownEvent event) {
        SHUTTING_DOWN.set(true);
    }

    /**
     * After the operator SDK has stopped (its own shutdown observer has a lower priority, so it runs
     * first): gives the Lease up if this replica still holds it.
     */
    void releaseOnShutdown(@Observes @Priority(Interceptor.Priority.PLATFORM_AFTER + 1000) ShutdownEvent event,
            KubernetesClient client) {
        release(client, ZonedDateTime.now(ZoneOffset.UTC));
    }

    /**
     * Releases the Lease when this replica holds it: no holder, expired a second after now, as
     * client-go's release writes it. A PUT of the Lease as read, so a Lease another replica took
     * meanwhile is refused (409) and left alone. (fabric8's own release writes a merge patch, which
     * leaves the holder in place.)
     */
    boolean release(KubernetesClient client, ZonedDateTime now) {
        try {
            Lease lease = client.leases().inNamespace(namespace).withName(LEASE).get();
            if (lease == null || lease.getSpec() == null || !identity.equals(lease.getSpec().getHolderIdentity())) {
                return false;
            }
            lease.getSpec().setHolderIdentity(null);
            lease.getSpec().setLeaseDurationSeconds(1);
            lease.getSpec().setAcquireTime(now);
            lease.getSpec().setRenewTime(now);
            client.leases().inNamespace(namespace).resource(lease).update();
            LOG.info("released the leader Lease on shutdown: the other replica takes over at its next try");
            return true;
        } catch (RuntimeException e) {
            LOG.warnf("could not release the leader Lease on shutdown (the other replica takes over when it expires): %s",
                    e.getMessage());
            return false;
        }
    }

    static void lostLeadership() {
        if (SHUTTING_DOWN.get()) {
            return;
        }
        LOG.error("lost the leader Lease while running: exiting so that only the new leader writes");
        Thread.ofPlatform().name("leader-lost-exit").start(() -> System.exit(1));
    }
}
