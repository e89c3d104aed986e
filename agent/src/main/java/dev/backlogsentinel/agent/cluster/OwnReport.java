package dev.backlogsentinel.agent.cluster;

import dev.backlogsentinel.agent.policy.PolicyEvaluator;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.api.report.ReportedListener;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * This node's own NodeBacklogReport, watched (a list and watch of one name): what an agent that ran
 * before this one left in it is taken up at start, so a restart announces nothing; and a report
 * someone deleted is noticed at once, so it is written again without waiting for a change.
 */
final class OwnReport implements AutoCloseable {

    private final SharedIndexInformer<NodeBacklogReport> informer;

    /** @param deleted run when the report is deleted (on the informer's thread) */
    OwnReport(KubernetesClient client, String node, Runnable deleted) {
        this.informer = client.resources(NodeBacklogReport.class).withName(node).runnableInformer(0);
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(NodeBacklogReport report) {
                // Written by this agent, or found at start: nothing to do.
            }

            @Override
            public void onUpdate(NodeBacklogReport before, NodeBacklogReport after) {
                // This agent's own writes, and the operator's annotation.
            }

            @Override
            public void onDelete(NodeBacklogReport report, boolean finalStateUnknown) {
                deleted.run();
            }
        });
        informer.exceptionHandler(RetryForever.HANDLER);
        informer.start();
    }

    /** The first list has come back: {@link #states()} says what the report held. */
    boolean synced() {
        return informer.hasSynced();
    }

    /** The listener states the report holds (none when there is no report), as the evaluator takes them up. */
    List<PolicyEvaluator.Resumed> states() {
        List<PolicyEvaluator.Resumed> states = new ArrayList<>();
        for (NodeBacklogReport report : informer.getStore().list()) {
            if (report.getStatus() == null) {
                continue;
            }
            for (ReportedListener l : report.getStatus().getListeners()) {
                PolicyEvaluator.Resumed r = resumed(l);
                if (r != null) {
                    states.add(r);
                }
            }
        }
        return states;
    }

    /** A reported listener as a state to take up; null when it lacks what names it or its state. */
    static PolicyEvaluator.Resumed resumed(ReportedListener l) {
        if (l.getPod() == null || l.getPod().getUid() == null || l.getPod().getNamespace() == null || l.getPolicy() == null
                || l.getFamily() == null || l.getAddress() == null || l.getPort() == null || l.getState() == null
                || l.getSince() == null) {
            return null;
        }
        Instant since;
        try {
            since = Instant.parse(l.getSince());
        } catch (DateTimeParseException e) {
            return null;
        }
        return new PolicyEvaluator.Resumed(l.getPod().getNamespace(), l.getPolicy(), l.getPod().getUid(), l.getFamily(),
                l.getAddress(), l.getPort(), l.getState(), since, l.getPeakDepth() == null ? 0 : l.getPeakDepth());
    }

    @Override
    public void close() {
        informer.close();
    }
}
