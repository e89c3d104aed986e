package dev.backlogsentinel.operator.node;

import dev.backlogsentinel.api.Vocabulary;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.backlogsentinel.api.Patches;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.operator.metrics.OperatorMetrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps each node's {@link Notified} on its NodeBacklogReport, as the annotation
 * backlogsentinel.dev/notified, which only the operator writes (the agent writes the report's
 * status). The report is the node's own object, is deleted with the Node, and is already in the
 * operator's informer cache, so reading this memory costs no request.
 *
 * <p>This process also keeps what it last saved, by report UID, until the informer cache shows it:
 * the next reconcile of that node may run before the cache has caught up with our own write, and
 * acting on the older memory would say things twice. A save that failed is kept here and retried at
 * the next reconcile.
 */
@ApplicationScoped
public class NotifiedStore {

    private static final Logger LOG = Logger.getLogger(NotifiedStore.class);
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private record Saved(Notified notified, boolean persisted) {
    }

    private final KubernetesClient client;
    private final OperatorMetrics metrics;
    private final Map<String, Saved> byReportUid = new ConcurrentHashMap<>();

    @Inject
    public NotifiedStore(KubernetesClient client, OperatorMetrics metrics) {
        this.client = client;
        this.metrics = metrics;
    }

    /** What was said about this report's node: this process's last save, else the annotation. */
    public Notified get(NodeBacklogReport report) {
        String uid = report.getMetadata().getUid();
        Saved saved = byReportUid.get(uid);
        Notified onReport = parse(report);
        if (saved == null) {
            return onReport;
        }
        if (saved.persisted() && saved.notified().equals(onReport)) {
            // The cache shows our last write: the annotation alone is the memory again (and this map stays small).
            byReportUid.remove(uid, saved);
            return onReport;
        }
        return saved.notified();
    }

    static Notified parse(NodeBacklogReport report) {
        Map<String, String> annotations = report.getMetadata().getAnnotations();
        String json = annotations == null ? null : annotations.get(Vocabulary.NOTIFIED_ANNOTATION);
        if (json == null || json.isBlank()) {
            return Notified.NOTHING;
        }
        try {
            return JSON.readValue(json, Notified.class);
        } catch (JsonProcessingException e) {
            // Not ours to guess at: start afresh (the worst case is one event said again), and say so.
            LOG.warnf("annotation %s on NodeBacklogReport %s is not readable (%s): starting from nothing", Vocabulary.NOTIFIED_ANNOTATION,
                    report.getMetadata().getName(), e.getOriginalMessage());
            return Notified.NOTHING;
        }
    }

    /** @return whether a save is still owed to the cluster (a failed write to retry) */
    public boolean pending(NodeBacklogReport report) {
        Saved saved = byReportUid.get(report.getMetadata().getUid());
        return saved != null && !saved.persisted();
    }

    /**
     * Saves the new memory: at once in this process, and on the report when it differs from what
     * the report holds.
     *
     * @return false when writing it to the report failed (it is kept here and retried)
     */
    public boolean save(NodeBacklogReport report, Notified notified) {
        String uid = report.getMetadata().getUid();
        if (notified.equals(parse(report))) {
            byReportUid.remove(uid);
            return true;
        }
        Map<String, Object> annotations = new HashMap<>();
        try {
            annotations.put(Vocabulary.NOTIFIED_ANNOTATION, JSON.writeValueAsString(notified));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Notified is always serialisable", e);
        }
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("annotations", annotations);
        // The UID guards against writing a dead report's memory onto a new one of the same name.
        metadata.put("uid", uid);
        try {
            client.resources(NodeBacklogReport.class)
                    .resource(Patches.target(new NodeBacklogReport(), null, report.getMetadata().getName()))
                    .patch(PatchContext.of(PatchType.JSON_MERGE), JSON.writeValueAsString(Map.of("metadata", metadata)));
            byReportUid.put(uid, new Saved(notified, true));
            return true;
        } catch (KubernetesClientException | JsonProcessingException e) {
            byReportUid.put(uid, new Saved(notified, false));
            metrics.memoryWriteFailed();
            LOG.warnf("could not save what was notified for node %s (retried at the next reconcile): %s",
                    report.getMetadata().getName(), e.getMessage());
            return false;
        }
    }
}
