package dev.backlogsentinel.operator.node;

import dev.backlogsentinel.api.ListenerState;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.api.report.NodeBacklogReportStatus;
import dev.backlogsentinel.api.report.PolicyCount;
import dev.backlogsentinel.api.report.ReportedListener;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What the operator keeps of a report: its Saturated listeners and every count, nothing else. */
class ReportStoreTest {

    static ReportedListener listener(int port, ListenerState state) {
        ReportedListener l = new ReportedListener();
        l.setPort(port);
        l.setState(state);
        return l;
    }

    static NodeBacklogReport report(List<ReportedListener> listeners) {
        NodeBacklogReport r = new NodeBacklogReport();
        r.setMetadata(new ObjectMetaBuilder().withName("n1").withResourceVersion("7").build());
        NodeBacklogReportStatus s = new NodeBacklogReportStatus();
        s.setPolicies(List.of(new PolicyCount("shop", "web", 3, 3, 2, 1)));
        s.setListeners(listeners);
        r.setStatus(s);
        return r;
    }

    @Test
    void storedReportsKeepTheirSaturatedListenersAndCountsOnly() {
        ReportStore store = new ReportStore();
        NodeBacklogReport r = report(List.of(listener(1, ListenerState.Warning), listener(2, ListenerState.Saturated),
                listener(3, ListenerState.Warning)));
        store.put(store.getKey(r), r);
        NodeBacklogReport kept = store.get("n1");
        assertThat(kept.getStatus().getListeners()).extracting(ReportedListener::getPort).containsExactly(2);
        assertThat(kept.getStatus().getPolicies()).singleElement().satisfies(c -> {
            assertThat(c.getWarning()).isEqualTo(2);
            assertThat(c.getSaturated()).isEqualTo(1);
        });
        assertThat(kept.getMetadata().getResourceVersion()).isEqualTo("7");
        assertThat(store.size()).isEqualTo(1);
    }

    @Test
    void aWarningListenerWhoseDepthMovesIsNoChangeOnceStored() {
        ReportedListener warning = listener(1, ListenerState.Warning);
        warning.setDepth(3000);
        NodeBacklogReport before = ReportStore.pruned(report(List.of(warning, listener(2, ListenerState.Saturated))));
        ReportedListener deeper = listener(1, ListenerState.Warning);
        deeper.setDepth(3500);
        NodeBacklogReport after = ReportStore.pruned(report(List.of(deeper, listener(2, ListenerState.Saturated))));
        assertThat(after.getStatus()).isEqualTo(before.getStatus());
    }
}
