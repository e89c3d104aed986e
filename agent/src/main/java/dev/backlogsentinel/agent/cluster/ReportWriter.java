package dev.backlogsentinel.agent.cluster;

import dev.backlogsentinel.api.Vocabulary;
import dev.backlogsentinel.api.Labels;
import dev.backlogsentinel.api.Patches;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.api.report.NodeBacklogReportStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Writes this node's NodeBacklogReport when something in it changed, at most once per minInterval
 * whatever changed (a quiet node's first change goes out at once), never once per scan. While the
 * API server is away the latest truth waits (counters are cumulative, so the write that gets
 * through loses nothing), retried with a backoff of 1s doubling to 1 min. Not thread-safe: one
 * caller (the writer thread).
 */
public final class ReportWriter {

    private static final Logger LOG = Logger.getLogger(ReportWriter.class);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(1);

    private final KubernetesClient client;
    private final String node;
    private final Duration minInterval;
    private final Consumer<Boolean> attempts;
    private List<String> writtenShape;
    private List<String> writtenValues;
    private Instant lastWrite;
    private Instant retryAt;
    private volatile Instant failingSince;
    private Duration backoff = Duration.ofSeconds(1);
    private int writes;
    private int failures;

    public ReportWriter(KubernetesClient client, String node, Duration minInterval) {
        this(client, node, minInterval, ok -> { });
    }

    /** @param attempts told of every write attempt: true when it went through, false when it failed */
    public ReportWriter(KubernetesClient client, String node, Duration minInterval, Consumer<Boolean> attempts) {
        this.client = client;
        this.node = node;
        this.minInterval = minInterval;
        this.attempts = attempts;
    }

    /**
     * Offers the latest report; writes it if it is due.
     *
     * @return true when a write went through
     */
    public boolean offer(ReportBuilder.Built latest, Instant now) {
        boolean shapeChanged = !latest.shape().equals(writtenShape);
        boolean valuesChanged = !latest.values().equals(writtenValues);
        if (!shapeChanged && !valuesChanged) {
            return false;
        }
        if (retryAt != null && now.isBefore(retryAt)) {
            return false;
        }
        if (lastWrite != null && Duration.between(lastWrite, now).compareTo(minInterval) < 0) {
            // Debounced, a new Saturated listener included: the change waits (at most minInterval), and
            // the write that goes out carries the latest truth; a flapping listener costs one write per interval.
            return false;
        }
        try {
            write(latest.status());
        } catch (KubernetesClientException e) {
            failures++;
            // Refused by a server that answered (403, 422, ...): the agent is not reporting. A server
            // that cannot be reached refuses the Lease renewal as well, and says so by itself.
            if (failingSince == null && e.getCode() >= 400) {
                failingSince = now;
            }
            attempts.accept(false);
            if (retryAt == null) {
                LOG.warnf("cannot write NodeBacklogReport %s (retrying with backoff; scans go on): %s", node, e.getMessage());
            }
            retryAt = now.plus(backoff);
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            return false;
        }
        if (retryAt != null) {
            LOG.infof("NodeBacklogReport %s written again after %d failed attempts", node, failures);
        }
        retryAt = null;
        failingSince = null;
        backoff = Duration.ofSeconds(1);
        writtenShape = latest.shape();
        writtenValues = latest.values();
        lastWrite = now;
        writes++;
        attempts.accept(true);
        return true;
    }

    /**
     * One request: a merge patch of the status, which replaces every field the agent owns and
     * leaves the operator's annotation alone. Only when the report does not exist yet (404) is it
     * created, owned by its Node, and patched again.
     */
    private void write(NodeBacklogReportStatus status) {
        String patch = Serialization.asJson(Map.of("status", status));
        var report = client.resources(NodeBacklogReport.class).resource(Patches.target(new NodeBacklogReport(), null, node));
        try {
            report.subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), patch);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
            NodeBacklogReport fresh = new NodeBacklogReport();
            fresh.setMetadata(new ObjectMetaBuilder().withName(node)
                    .addToLabels(Vocabulary.MANAGED_BY_LABEL, Vocabulary.AGENT).build());
            NodeOwner.of(client, node).ifPresent(owner -> fresh.getMetadata().setOwnerReferences(List.of(owner)));
            try {
                client.resources(NodeBacklogReport.class).resource(fresh).create();
            } catch (KubernetesClientException created) {
                if (created.getCode() != 409) {
                    throw created;
                }
            }
            report.subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), patch);
        }
    }

    /**
     * The report is gone (someone deleted it): the next offer writes it at once, whatever changed
     * and however recently it was last written, so a quiet node has its report back within a scan.
     */
    public void reportGone() {
        writtenShape = null;
        writtenValues = null;
        lastWrite = null;
    }

    /** Since when every write has been refused by the API server, or null while the last one went through (or none was refused). */
    public Instant failingSince() {
        return failingSince;
    }

    /** Writes that went through. */
    public int writes() {
        return writes;
    }

    /** Attempts that failed. */
    public int failures() {
        return failures;
    }
}
