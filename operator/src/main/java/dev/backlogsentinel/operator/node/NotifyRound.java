package dev.backlogsentinel.operator.node;

import io.fabric8.kubernetes.client.KubernetesClientException;
import org.jboss.logging.Logger;

import java.time.Instant;

/**
 * One reconcile's notifying: the node's memory as each write succeeds, and whether any write
 * failed. A failed write leaves the memory as it was for that item, so the next round (after a
 * backoff) tries it again; what succeeded is kept and not said twice.
 */
final class NotifyRound {

    private static final Logger LOG = Logger.getLogger(NotifyRound.class);

    final String node;
    final Instant now;
    private Notified notified;
    private int failures;

    NotifyRound(String node, Instant now, Notified before) {
        this.node = node;
        this.now = now;
        this.notified = before;
    }

    Notified notified() {
        return notified;
    }

    void update(Notified next) {
        notified = next;
    }

    void failed(String what, KubernetesClientException e) {
        failures++;
        LOG.warnf("node %s: could not write %s (retried with backoff): %s", node, what, e.getMessage());
    }

    boolean anyFailed() {
        return failures > 0;
    }
}
