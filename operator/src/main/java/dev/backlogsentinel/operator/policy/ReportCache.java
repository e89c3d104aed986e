package dev.backlogsentinel.operator.policy;

import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.operator.informers.InformerCache;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * Every NodeBacklogReport, as the node-pressure controller's own informer holds them: the only copy
 * in the operator (at 5,000 busy nodes, the largest thing it holds). The policy-status controller
 * reads them from here, and is told when a report's status changes, with the report before and
 * after, so a report that stops naming a policy still reaches it.
 */
@ApplicationScoped
public class ReportCache extends InformerCache<NodeBacklogReport> {

    private volatile BiConsumer<NodeBacklogReport, NodeBacklogReport> onStatusChange = (now, before) -> { };

    /** The one listener to report status changes (the policy-status controller's): (now, before), either may be null. */
    public void onStatusChange(BiConsumer<NodeBacklogReport, NodeBacklogReport> listener) {
        onStatusChange = listener;
    }

    /** An event of the report informer (before null: created; now null: deleted). The operator's own annotation changes nothing here. */
    public void changed(NodeBacklogReport now, NodeBacklogReport before) {
        if (now != null && before != null && Objects.equals(now.getStatus(), before.getStatus())) {
            return;
        }
        onStatusChange.accept(now, before);
    }
}
