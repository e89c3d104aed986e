package dev.backlogsentinel.operator.policy;

import dev.backlogsentinel.operator.events.UndeliveredEvents;
import dev.backlogsentinel.api.ListenerState;
import dev.backlogsentinel.api.policy.BacklogPolicy;
import dev.backlogsentinel.api.policy.BacklogPolicySpec;
import dev.backlogsentinel.api.policy.BacklogPolicyStatus;
import dev.backlogsentinel.api.policy.SaturatedListener;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.api.report.NodeBacklogReportStatus;
import dev.backlogsentinel.api.report.PodRef;
import dev.backlogsentinel.api.report.PolicyCount;
import dev.backlogsentinel.api.report.ReportedListener;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The policy status from reports, with no cluster: counts summed, Saturated listeners longest first. */
class PolicyStatusAggregatorTest {

    static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");

    static BacklogPolicy policy(int warning, int critical) {
        BacklogPolicy p = new BacklogPolicy();
        p.setMetadata(new ObjectMetaBuilder().withNamespace("shop").withName("web").withGeneration(3L).build());
        BacklogPolicySpec spec = new BacklogPolicySpec();
        spec.setWarningPercent(warning);
        spec.setCriticalPercent(critical);
        p.setSpec(spec);
        return p;
    }

    static ReportedListener saturated(String pod, int port, int depth, int limit, Boolean full) {
        return saturated(pod, port, depth, limit, full, "2026-11-21T09:59:00Z");
    }

    static ReportedListener saturated(String pod, int port, int depth, int limit, Boolean full, String since) {
        ReportedListener l = new ReportedListener();
        l.setPolicy("web");
        l.setPod(new PodRef("shop", pod, pod + "-uid"));
        l.setAddress("0.0.0.0");
        l.setPort(port);
        l.setState(ListenerState.Saturated);
        l.setSince(since);
        l.setDepth(depth);
        l.setLimit(limit);
        l.setLimitedBy("backlog");
        l.setFull(full);
        return l;
    }

    static NodeBacklogReport report(String node, List<PolicyCount> counts, List<ReportedListener> listeners) {
        NodeBacklogReport r = new NodeBacklogReport();
        r.setMetadata(new ObjectMetaBuilder().withName(node).build());
        NodeBacklogReportStatus s = new NodeBacklogReportStatus();
        s.setPolicies(counts);
        s.setListeners(listeners);
        r.setStatus(s);
        return r;
    }

    @Test
    void countsAreSummedOverNodesAndSaturatedListenersListedLongestFirst() {
        List<NodeBacklogReport> reports = List.of(
                report("n1", List.of(new PolicyCount("shop", "web", 2, 3, 1, 1), new PolicyCount("other", "web", 9, 9, 9, 9)),
                        List.of(saturated("web-0", 8080, 95, 100, false, "2026-11-21T09:59:30Z"))),
                report("n2", List.of(new PolicyCount("shop", "web", 1, 2, 0, 2)),
                        List.of(saturated("web-1", 8080, 17, 16, true), saturated("web-2", 8080, 160, 200, null, "2026-11-21T09:59:50Z"))),
                report("n3", List.of(), List.of()));
        BacklogPolicyStatus status = PolicyStatusAggregator.status(policy(70, 90), reports, null, NOW, 20, Map.of());

        assertThat(status.getMatchedPods()).isEqualTo(3);
        assertThat(status.getListeners()).isEqualTo(5);
        assertThat(status.getWarning()).isEqualTo(1);
        assertThat(status.getSaturated()).isEqualTo(3);
        assertThat(status.getSaturatedListeners()).extracting(SaturatedListener::getPod).containsExactly("web-1", "web-0", "web-2");
        assertThat(status.getSaturatedListeners().getFirst()).satisfies(s -> {
            assertThat(s.getNode()).isEqualTo("n2");
            assertThat(s.getLimit()).isEqualTo(16);
            assertThat(s.getLimitedBy()).isEqualTo("backlog");
            assertThat(s.getSince()).isEqualTo("2026-11-21T09:59:00Z");
        });
        assertThat(status.getObservedGeneration()).isEqualTo(3L);
        assertThat(status.getConditions()).extracting(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason())
                .containsExactly("Ready=True/Accepted", "EventsWritten=True/Written");
    }

    @Test
    void noReportsCountZeroAndAnInvalidPolicyCountsNothing() {
        BacklogPolicyStatus none = PolicyStatusAggregator.status(policy(70, 90), List.of(), null, NOW, 20, Map.of());
        assertThat(none.getMatchedPods()).isZero();
        assertThat(none.getSaturated()).isZero();

        BacklogPolicyStatus invalid = PolicyStatusAggregator.status(policy(90, 70),
                List.of(report("n1", List.of(new PolicyCount("shop", "web", 1, 1, 0, 1)), List.of())), null, NOW, 20, Map.of());
        assertThat(invalid.getSaturated()).isNull();
        assertThat(invalid.getMatchedPods()).isNull();
        assertThat(invalid.getConditions()).singleElement().satisfies(c -> assertThat(c.getReason()).isEqualTo("InvalidSpec"));
    }

    @Test
    void refusedEventsTurnEventsWrittenFalseNamingTheOldestAndItsTransitionHoldsWhileTheyLast() {
        Map<String, UndeliveredEvents.Refusal> refused = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 5; i++) {
            refused.put("finding-" + i, new UndeliveredEvents.Refusal("ListenQueueSaturated of shop/web-" + i + " port 8080 (0.0.0.0)",
                    "403 events is forbidden", NOW.minusSeconds(100 - i)));
        }
        BacklogPolicyStatus failing = PolicyStatusAggregator.status(policy(70, 90), List.of(), null, NOW, 20, refused);
        assertThat(failing.getConditions()).filteredOn(c -> c.getType().equals("EventsWritten")).singleElement().satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("EventWritesFailing");
            assertThat(c.getMessage()).startsWith("The API server refuses the events of 5 findings")
                    .contains("ListenQueueSaturated of shop/web-0 port 8080 (0.0.0.0), since 2026-11-21T09:58:20Z: 403 events is forbidden")
                    .contains("shop/web-2").doesNotContain("shop/web-3").endsWith("; and 2 more.");
            assertThat(c.getLastTransitionTime()).isEqualTo("2026-11-21T10:00:00Z");
        });
        // A later reconcile with the same refusals: nothing moves, so nothing is patched.
        assertThat(PolicyStatusAggregator.status(policy(70, 90), List.of(), failing, NOW.plusSeconds(60), 20, refused))
                .isEqualTo(failing);
        BacklogPolicyStatus written = PolicyStatusAggregator.status(policy(70, 90), List.of(), failing, NOW.plusSeconds(90), 20, Map.of());
        assertThat(written.getConditions()).filteredOn(c -> c.getType().equals("EventsWritten")).singleElement().satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getLastTransitionTime()).isEqualTo("2026-11-21T10:01:30Z");
        });
    }
}
