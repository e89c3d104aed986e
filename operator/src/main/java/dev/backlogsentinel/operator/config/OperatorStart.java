package dev.backlogsentinel.operator.config;

import io.javaoperatorsdk.operator.Operator;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Starts the operator in the background, and exits the process when it cannot start, so the
 * kubelet starts it again (with its back-off) instead of leaving a process that is alive, serves
 * its probes, and does nothing for ever.
 *
 * <p>The operator SDK's own start (quarkus.operator-sdk.start-operator, off) runs the same
 * Operator.start() on a thread of its own and only logs a failure. A start fails when the first
 * list of a resource does not arrive: an operator that starts while the API server is away (after
 * it lost its leadership in an outage, say) gave up after about 20 s and stayed so after the server
 * came back; OutageBenchmark found it. Starting in the background keeps start-up, probes and
 * SIGTERM independent of the API server, as the SDK's async start did.
 */
@ApplicationScoped
public class OperatorStart {

    private static final Logger LOG = Logger.getLogger(OperatorStart.class);
    private final AtomicBoolean stopping = new AtomicBoolean();

    void start(@Observes StartupEvent event, Operator operator) {
        Thread.ofPlatform().name("operator-start").daemon().start(() -> {
            try {
                operator.start();
            } catch (RuntimeException e) {
                if (stopping.get()) {
                    return;
                }
                LOG.errorf(e, "the operator could not start (is the API server reachable, and are its resources listable?): "
                        + "exiting so that it is started again");
                Quarkus.asyncExit(1);
            }
        });
    }

    /** At the operator SDK's place in the shutdown order: before the leader Lease is released (OperatorLeaderElection). */
    void stop(@Observes ShutdownEvent event, Operator operator) {
        stopping.set(true);
        operator.stop();
    }
}
