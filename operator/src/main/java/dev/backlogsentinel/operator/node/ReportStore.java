package dev.backlogsentinel.operator.node;

import dev.backlogsentinel.api.ListenerState;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;

import java.util.stream.Stream;

/**
 * The report informer's store: each report as the operator uses it, without the listeners that are
 * not Saturated. The operator acts only on Saturated listeners (the condition, the pod events, the
 * policy status's list) and counts the rest from the report's per-policy counts, which stay. A busy
 * node's report lists every listener in Warning too, with its process, container and knobs: at
 * 5,000 nodes of 20 such listeners the whole reports filled the operator's heap (154 MB under the
 * chart's 384Mi) and it spent its time collecting garbage (ScaleBenchmark). Pruned as it is stored,
 * the same object is what every handler and reconcile sees, so a Warning listener's moving depth is
 * no change at all.
 */
public final class ReportStore implements ItemStore<NodeBacklogReport> {

    private final BasicItemStore<NodeBacklogReport> store = new BasicItemStore<>(Cache::metaNamespaceKeyFunc);

    /** The report, in place, without its listeners that are not Saturated. */
    public static NodeBacklogReport pruned(NodeBacklogReport report) {
        if (report.getStatus() != null && report.getStatus().getListeners() != null
                && report.getStatus().getListeners().stream().anyMatch(l -> l.getState() != ListenerState.Saturated)) {
            report.getStatus().setListeners(report.getStatus().getListeners().stream()
                    .filter(l -> l.getState() == ListenerState.Saturated).toList());
        }
        return report;
    }

    @Override
    public String getKey(NodeBacklogReport report) {
        return store.getKey(report);
    }

    @Override
    public NodeBacklogReport put(String key, NodeBacklogReport report) {
        return store.put(key, pruned(report));
    }

    @Override
    public NodeBacklogReport remove(String key) {
        return store.remove(key);
    }

    @Override
    public Stream<String> keySet() {
        return store.keySet();
    }

    @Override
    public Stream<NodeBacklogReport> values() {
        return store.values();
    }

    @Override
    public int size() {
        return store.size();
    }

    @Override
    public NodeBacklogReport get(String key) {
        return store.get(key);
    }
}
