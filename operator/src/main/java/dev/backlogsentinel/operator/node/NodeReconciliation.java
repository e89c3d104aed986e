package dev.backlogsentinel.operator.node;

import dev.backlogsentinel.api.Vocabulary;
import dev.backlogsentinel.api.Labels;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.operator.config.OperatorConfig;
import dev.backlogsentinel.operator.events.EventRecorder;
import dev.backlogsentinel.operator.policy.ValidPolicies;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Turns one node's report into what the cluster shows: the ListenQueuePressure condition, node
 * events on its transitions, and the pod events of FindingEvents.
 *
 * <p>It reads nothing from the API server: the report, the agent's Lease and the policies come
 * from informer caches, and what was already said from {@link NotifiedStore}. So a reconcile in
 * which nothing changed (an agent renewing its Lease, say) sends no request at all, and a
 * restarted operator neither repeats nor misses anything.
 */
@ApplicationScoped
public class NodeReconciliation {

    private static final Logger LOG = Logger.getLogger(NodeReconciliation.class);
    static final Duration FIRST_RETRY = Duration.ofSeconds(2);
    static final Duration MAX_RETRY = Duration.ofMinutes(1);

    private final NodeConditionWriter writer;
    private final EventRecorder events;
    private final FindingEvents findings;
    private final NotifiedStore store;
    private final OperatorConfig config;
    private final AgentHeartbeats heartbeats;
    private final Clock clock;
    private final Map<String, Integer> failedRounds = new ConcurrentHashMap<>();

    @Inject
    public NodeReconciliation(NodeConditionWriter writer, EventRecorder events, FindingEvents findings, NotifiedStore store,
            OperatorConfig config, AgentHeartbeats heartbeats, Clock clock) {
        this.writer = writer;
        this.events = events;
        this.findings = findings;
        this.store = store;
        this.config = config;
        this.heartbeats = heartbeats;
        this.clock = clock;
    }

    /**
     * What a reconcile decided.
     *
     * @param agentAlive  the liveness it acted on (AgentSilenceEventSource wakes it when that changes)
     * @param lookAgainIn when to look again (an event refresh, a retry), or empty to wait for a change
     */
    public record Result(boolean agentAlive, Optional<Duration> lookAgainIn) {
    }

    public Result reconcile(NodeBacklogReport report, Lease lease, ValidPolicies policies) {
        String node = report.getMetadata().getName();
        Instant now = clock.instant();
        Notified before = store.get(report);
        boolean saidAlive = before.condition() == null || !Vocabulary.REASON_AGENT_NOT_REPORTING.equals(before.condition().reason());
        AgentLiveness liveness = heartbeats.liveness(node, lease, saidAlive);
        DesiredCondition desired = NodePressure.evaluate(report, policies, liveness, config.agentGrace(), config.conditionListeners());
        NotifyRound round = new NotifyRound(node, now, before);
        if (!condition(desired, round)) {
            LOG.debugf("report %s has no node of that name: nothing to write", node);
            return new Result(liveness.alive(), Optional.empty());
        }
        if (liveness.alive()) {
            // While the agent is away its report is stale: pod findings wait until it is back.
            findings.notify(report, policies, round);
        }
        boolean saved = round.notified().equals(before) && !store.pending(report) || store.save(report, round.notified());
        Optional<Duration> retry = Optional.empty();
        if (round.anyFailed() || !saved) {
            int failures = failedRounds.merge(node, 1, Integer::sum);
            Duration backoff = FIRST_RETRY.multipliedBy(1L << Math.min(failures - 1, 5));
            retry = Optional.of(backoff.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : backoff);
        } else {
            failedRounds.remove(node);
        }
        // A refresh that is due now failed this round: its retry is the backoff's, never a tight loop.
        Optional<Duration> refresh = findings.nextRefresh(round.notified()).map(t -> Duration.between(now, t))
                .filter(d -> d.compareTo(Duration.ofSeconds(1)) >= 0);
        return new Result(liveness.alive(), Stream.of(retry, refresh).flatMap(Optional::stream).min(Duration::compareTo));
    }

    /**
     * Writes the condition when it differs from what was written, then the node event of its
     * transition; the memory moves only when both went through.
     *
     * @return false when the node does not exist
     */
    private boolean condition(DesiredCondition desired, NotifyRound round) {
        Notified.Condition written = round.notified().condition();
        String sha = Labels.sha256(desired.message()).substring(0, 16);
        if (written != null && written.status().equals(desired.status()) && written.reason().equals(desired.reason())
                && written.messageSha().equals(sha)) {
            return true;
        }
        boolean statusChanged = written == null || !written.status().equals(desired.status());
        Instant transition = statusChanged || written.since() == null ? round.now : written.since();
        try {
            if (!writer.write(round.node, desired, round.now, transition)) {
                return false;
            }
            if (statusChanged) {
                nodeEvent(round, written == null ? null : written.status(), desired, transition);
            }
        } catch (KubernetesClientException e) {
            round.failed("condition " + Vocabulary.NODE_CONDITION + "=" + desired.status(), e);
            return true;
        }
        round.update(round.notified().withCondition(new Notified.Condition(desired.status(), desired.reason(), sha, transition)));
        return true;
    }

    private void nodeEvent(NotifyRound round, String previous, DesiredCondition desired, Instant transition) {
        String reason;
        String type;
        String message;
        switch (desired.status()) {
            case DesiredCondition.TRUE -> {
                reason = Vocabulary.EVENT_PRESSURE;
                type = "Warning";
                message = desired.message();
            }
            case DesiredCondition.UNKNOWN -> {
                reason = Vocabulary.EVENT_AGENT_NOT_REPORTING;
                type = "Warning";
                message = desired.message();
            }
            default -> {
                if (!DesiredCondition.TRUE.equals(previous)) {
                    return; // False after nothing or after Unknown: no pressure ended, nothing to say.
                }
                reason = Vocabulary.EVENT_NO_PRESSURE;
                type = "Normal";
                message = "No listen queue on this node is saturated any more.";
            }
        }
        // The kubelet's convention for Node events: uid = the node's name. Every kubectl describe
        // finds those (1.20's looks for no other), and the operator needs no read of the Node.
        ObjectReference ref = new ObjectReferenceBuilder().withApiVersion("v1").withKind("Node").withName(round.node)
                .withUid(round.node).build();
        events.write(new EventRecorder.Request(ref, type, reason, desired.reason(), message, reason + "/" + transition, 1,
                round.now, round.now, Labels.ofNode(round.node)));
    }
}
