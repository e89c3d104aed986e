package dev.backlogsentinel.operator.node;

import dev.backlogsentinel.api.Vocabulary;
import dev.backlogsentinel.api.Conventions;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Wakes a node's reconcile when its agent goes silent (its Lease older than the grace) or speaks
 * again, and at no other time. Renewals themselves wake nothing: the Lease informer only keeps its
 * cache, and once a second this walks that cache (thousands of entries: microseconds) and compares
 * each agent's liveness with the one the node's last reconcile acted on. So an agent renewing its
 * Lease costs the operator the cache update and nothing else, and silence is noticed within a
 * second of the grace running out.
 */
public final class AgentSilenceEventSource extends AbstractEventSource<AgentSilenceEventSource.Silence, NodeBacklogReport> {

    /** Nothing to hand to a reconcile: the Lease itself comes from the Lease informer. */
    public record Silence() {
    }

    static final Duration SWEEP = Duration.ofSeconds(1);
    private static final Logger LOG = Logger.getLogger(AgentSilenceEventSource.class);

    private final InformerEventSource<Lease, NodeBacklogReport> leases;
    private final AgentHeartbeats heartbeats;
    /** Per node, the liveness its last reconcile acted on. */
    private final Map<String, Boolean> actedOn = new ConcurrentHashMap<>();
    private ScheduledExecutorService sweeper;

    public AgentSilenceEventSource(InformerEventSource<Lease, NodeBacklogReport> leases, AgentHeartbeats heartbeats) {
        super(Silence.class, "agent-silence");
        this.leases = leases;
        this.heartbeats = heartbeats;
    }

    @Override
    public void start() {
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("agent-silence").daemon(true).unstarted(r));
        sweeper.scheduleWithFixedDelay(this::guardedSweep, SWEEP.toMillis(), SWEEP.toMillis(), TimeUnit.MILLISECONDS);
        super.start();
    }

    @Override
    public void stop() {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
        super.stop();
    }

    private void guardedSweep() {
        try {
            sweep();
        } catch (RuntimeException e) {
            // The Lease informer not started or synced yet, say: a task that throws is never run again.
            LOG.debugf("agent liveness sweep skipped: %s", e.getMessage());
        }
    }

    /** The node's reconcile acted on this liveness: a later sweep that finds otherwise wakes it. */
    public void actedOn(String node, boolean alive) {
        actedOn.put(node, alive);
    }

    /** One walk of the Lease cache: an event for each node whose agent's liveness is not what its reconcile acted on. */
    void sweep() {
        leases.list(lease -> lease.getMetadata().getName().startsWith(Vocabulary.AGENT_LEASE_PREFIX)).forEach(lease -> {
            String node = lease.getMetadata().getName().substring(Vocabulary.AGENT_LEASE_PREFIX.length());
            Boolean acted = actedOn.get(node);
            // Nodes never reconciled (no report) are not this source's; a change is announced once.
            if (acted == null) {
                return;
            }
            // Seen here every second, so a renewal is timed within a second of its arrival.
            boolean alive = heartbeats.liveness(node, lease, acted).alive();
            if (acted != alive && getEventHandler() != null && isRunning()) {
                actedOn.put(node, alive);
                getEventHandler().handleEvent(new Event(new ResourceID(node)));
            }
        });
    }

    @Override
    public Set<Silence> getSecondaryResources(NodeBacklogReport primary) {
        return Set.of();
    }
}
