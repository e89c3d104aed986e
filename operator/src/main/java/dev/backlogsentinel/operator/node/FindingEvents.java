package dev.backlogsentinel.operator.node;

import dev.backlogsentinel.api.Vocabulary;
import dev.backlogsentinel.api.Labels;
import dev.backlogsentinel.api.ListenerState;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.api.report.ReportedListener;
import dev.backlogsentinel.operator.config.OperatorConfig;
import dev.backlogsentinel.operator.events.EventRecorder;
import dev.backlogsentinel.operator.events.UndeliveredEvents;
import dev.backlogsentinel.operator.events.FindingMessages;
import dev.backlogsentinel.operator.policy.ValidPolicies;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The pod events of one node's report: ListenQueueSaturated when a listener under a policy with
 * events turns Saturated, ListenQueueOverflow when it is full and its namespace drops connections,
 * and one ListenQueueRecovered when it is no longer Saturated.
 *
 * <p>While a finding lasts, each of its events is raised (count + 1, lastTimestamp, current values
 * in the message) at most once per backlog.operator.event-refresh-interval (1 min by default), in
 * the spirit of client-go's spam filter: an hour of saturation is at most 60 writes per event, and
 * `kubectl describe` shows "(x60 over 1h)". The overflow event is raised only when the namespace's
 * ListenOverflows moved.
 */
@ApplicationScoped
public class FindingEvents {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(FindingEvents.class);
    private final EventRecorder events;
    private final UndeliveredEvents undelivered;
    private final Duration refresh;

    @Inject
    public FindingEvents(EventRecorder events, UndeliveredEvents undelivered, OperatorConfig config) {
        this(events, undelivered, config.eventRefreshInterval());
    }

    public FindingEvents(EventRecorder events, UndeliveredEvents undelivered, Duration refresh) {
        this.events = events;
        this.undelivered = undelivered;
        this.refresh = refresh;
    }

    void notify(NodeBacklogReport report, ValidPolicies policies, NotifyRound round) {
        Map<String, String> labels = Labels.ofNode(round.node);
        Set<String> current = new HashSet<>();
        for (ReportedListener l : NodePressure.saturatedUnder(report, policies, false)) {
            String key = NodePressure.listenerKey(l) + "/" + l.getSince();
            current.add(key);
            saturated(l, key, labels, round);
            overflow(l, key, labels, round);
        }
        Set<String> stillSaturated = new HashSet<>();
        if (report.getStatus() != null) {
            report.getStatus().getListeners().stream().filter(l -> l.getState() == ListenerState.Saturated && l.getPod() != null)
                    .forEach(l -> stillSaturated.add(NodePressure.listenerKey(l) + "/" + l.getSince()));
        }
        for (Notified.Finding f : round.notified().findings()) {
            if (current.contains(f.key())) {
                continue;
            }
            if (stillSaturated.contains(f.key())) {
                // Still saturated, but no policy asks for its events any more: nothing recovered, nothing more to say.
                round.update(round.notified().without(f.key()));
                undelivered.closed(f.key());
                continue;
            }
            recovered(f, labels, round);
        }
    }

    private void saturated(ReportedListener l, String key, Map<String, String> labels, NotifyRound round) {
        Optional<Notified.Finding> open = round.notified().finding(key);
        Notified.Written before = open.map(Notified.Finding::saturated).orElse(null);
        Notified.Written next = before == null ? Notified.Written.first(round.now) : due(before, round.now) ? before.raised(round.now) : null;
        if (next == null) {
            return;
        }
        try {
            events.write(new EventRecorder.Request(podOf(l), "Warning", Vocabulary.EVENT_SATURATED, Vocabulary.ACTION_SATURATED,
                    FindingMessages.saturated(l), key, next.count(), next.first(), next.last(), labels));
        } catch (KubernetesClientException e) {
            refused(l, key, Vocabulary.EVENT_SATURATED, e, round);
            return;
        }
        undelivered.written(l.getPod().getNamespace(), l.getPolicy(), key);
        Notified.Finding f = open.map(o -> new Notified.Finding(o.key(), o.namespace(), o.pod(), o.podUid(), FindingMessages.where(l),
                o.since(), next, o.overflow(), o.overflows()))
                .orElseGet(() -> new Notified.Finding(key, l.getPod().getNamespace(), l.getPod().getName(), l.getPod().getUid(),
                        FindingMessages.where(l), l.getSince(), next, null, null));
        round.update(round.notified().with(f));
    }

    private void overflow(ReportedListener l, String key, Map<String, String> labels, NotifyRound round) {
        Optional<Notified.Finding> open = round.notified().finding(key);
        boolean full = l.full();
        long overflows = l.getOverflowsTotal() == null ? 0 : l.getOverflowsTotal();
        if (open.isEmpty() || !full || overflows <= 0) {
            return;
        }
        Notified.Finding f = open.get();
        if (f.overflows() != null && overflows <= f.overflows()) {
            return; // No new drops since the last write.
        }
        Notified.Written next = f.overflow() == null ? Notified.Written.first(round.now)
                : due(f.overflow(), round.now) ? f.overflow().raised(round.now) : null;
        if (next == null) {
            return;
        }
        try {
            events.write(new EventRecorder.Request(podOf(l), "Warning", Vocabulary.EVENT_OVERFLOW, Vocabulary.ACTION_DROPPED,
                    FindingMessages.overflow(l), key, next.count(), next.first(), next.last(), labels));
        } catch (KubernetesClientException e) {
            refused(l, key, Vocabulary.EVENT_OVERFLOW, e, round);
            return;
        }
        round.update(round.notified().with(new Notified.Finding(f.key(), f.namespace(), f.pod(), f.podUid(), f.where(), f.since(),
                f.saturated(), next, overflows)));
        undelivered.written(l.getPod().getNamespace(), l.getPolicy(), key);
    }

    private void recovered(Notified.Finding f, Map<String, String> labels, NotifyRound round) {
        ObjectReference pod = new ObjectReferenceBuilder().withApiVersion("v1").withKind("Pod").withNamespace(f.namespace())
                .withName(f.pod()).withUid(f.podUid()).build();
        try {
            events.write(new EventRecorder.Request(pod, "Normal", Vocabulary.EVENT_RECOVERED, Vocabulary.ACTION_RECOVERED,
                    FindingMessages.recovered(f.where(), f.since(), round.now), f.key() + "/recovered", 1, round.now, round.now,
                    labels));
        } catch (KubernetesClientException e) {
            if (namespaceGone(e)) {
                // The pod went with its namespace: nobody is left to tell, and retrying would fail for ever.
                LOG.infof("%s of %s not written: namespace %s is gone (%s); the finding is closed", Vocabulary.EVENT_RECOVERED, f.where(),
                        f.namespace(), e.getMessage());
                round.update(round.notified().without(f.key()));
                undelivered.closed(f.key());
                return;
            }
            round.failed(Vocabulary.EVENT_RECOVERED + " of " + f.where(), e);
            return;
        }
        round.update(round.notified().without(f.key()));
        undelivered.closed(f.key());
    }

    /** A refused write: retried with the round's backoff, and shown in the policy's status until one goes through. */
    private void refused(ReportedListener l, String key, String reason, KubernetesClientException e, NotifyRound round) {
        String what = reason + " of " + FindingMessages.where(l);
        round.failed(what, e);
        undelivered.refused(l.getPod().getNamespace(), l.getPolicy(), key, what,
                e.getCode() > 0 ? e.getCode() + " " + firstLine(e.getMessage()) : firstLine(e.getMessage()), round.now);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no answer";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    /**
     * An event write refused because its namespace is gone (404 for the namespace) or going (403
     * with the NamespaceTerminating cause): not a refusal to retry. Any other 403 is RBAC, retried
     * and counted.
     */
    static boolean namespaceGone(KubernetesClientException e) {
        var status = e.getStatus();
        var details = status == null ? null : status.getDetails();
        if (e.getCode() == 404) {
            return details != null && "namespaces".equals(details.getKind());
        }
        return e.getCode() == 403 && details != null && details.getCauses() != null
                && details.getCauses().stream().anyMatch(c -> "NamespaceTerminating".equals(c.getReason()));
    }

    /** When the next raise of an open finding's events is due, if any is open. */
    Optional<Instant> nextRefresh(Notified notified) {
        return notified.findings().stream()
                .flatMap(f -> java.util.stream.Stream.of(f.saturated(), f.overflow()))
                .filter(java.util.Objects::nonNull)
                .map(w -> w.last().plus(refresh))
                .min(Instant::compareTo);
    }

    private boolean due(Notified.Written written, Instant now) {
        return !now.isBefore(written.last().plus(refresh));
    }

    private static ObjectReference podOf(ReportedListener l) {
        return new ObjectReferenceBuilder().withApiVersion("v1").withKind("Pod").withNamespace(l.getPod().getNamespace())
                .withName(l.getPod().getName()).withUid(l.getPod().getUid()).build();
    }
}
