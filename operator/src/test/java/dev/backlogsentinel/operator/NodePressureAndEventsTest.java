package dev.backlogsentinel.operator;

import dev.backlogsentinel.api.policy.BacklogPolicy;
import dev.backlogsentinel.api.report.PolicyCount;
import dev.backlogsentinel.operator.config.OperatorConfig;
import dev.backlogsentinel.operator.config.OperatorNamespace;
import dev.backlogsentinel.operator.events.EventRecorder;
import dev.backlogsentinel.operator.metrics.OperatorMetrics;
import dev.backlogsentinel.operator.node.NodeConditionWriter;
import dev.backlogsentinel.operator.node.NodeReconciliation;
import dev.backlogsentinel.operator.policy.ValidPolicies;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The operator against the Kubernetes test server: reports go in as agents would write them, and
 * the assertions read what `kubectl describe node/pod` and `kubectl get blp` would show.
 * Each test uses its own node and namespace: the operator runs throughout.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class NodePressureAndEventsTest {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final String SINCE = "2026-11-21T10:00:00Z";

    @Inject
    KubernetesClient client;

    @Inject
    OperatorConfig config;

    Cluster cluster;

    @BeforeEach
    void setUp() throws Exception {
        cluster = new Cluster(client);
        cluster.installCrds();
    }

    /** The texts this test checked, laid out as kubectl describe prints them (the README quotes this file). */
    static void writeDescribeExample(NodeCondition condition, List<Event> podEvents, List<Event> nodeEvents) throws Exception {
        StringBuilder sb = new StringBuilder("$ kubectl describe node n1\n...\nConditions:\n")
                .append("  Type                 Status  Reason                Message\n")
                .append("  ----                 ------  ------                -------\n")
                .append("  ListenQueuePressure  ").append(condition.getStatus()).append("    ").append(condition.getReason())
                .append("  ").append(condition.getMessage()).append("\n...\nEvents:\n")
                .append("  Type     Reason               From                          Message\n");
        nodeEvents.forEach(e -> sb.append("  ").append(e.getType()).append("  ").append(e.getReason()).append("  ")
                .append(e.getReportingController()).append("  ").append(e.getNote()).append("\n"));
        sb.append("\n$ kubectl describe pod -n shop web-7f9c\n...\nEvents:\n")
                .append("  Type     Reason                From                          Message\n");
        podEvents.forEach(e -> sb.append("  ").append(e.getType()).append("  ").append(e.getReason()).append("  ")
                .append(e.getReportingController()).append("  ").append(e.getNote()).append("\n"));
        java.nio.file.Files.writeString(java.nio.file.Path.of("target/describe-example.txt"), sb.toString());
        assertThat(java.nio.file.Files.readString(java.nio.file.Path.of("../README.md")))
                .as("README's kubectl describe example is this test's output: copy target/describe-example.txt into it")
                .contains(sb.toString().strip());
    }

    static List<PolicyCount> counts(String namespace, String policy, int saturated) {
        return List.of(new PolicyCount(namespace, policy, 1, 1, 0, saturated));
    }

    @Test
    void saturatedListenerSetsPressureWritesEventsAndCountsInThePolicyThenRecovers() throws Exception {
        cluster.node("n1");
        String uid = cluster.pod("shop", "web-7f9c");
        cluster.policy("shop", "web", spec -> spec.setPorts(List.of(8080)));
        cluster.lease("n1", Instant.now());
        cluster.report("n1", "2026-11-21T10:00:05Z", counts("shop", "web", 1),
                List.of(Cluster.saturated("web", "shop", "web-7f9c", uid, 8080, 129, 128, "backlog", SINCE, 65)));

        await().atMost(WAIT).untilAsserted(() -> {
            NodeCondition c = cluster.pressure("n1");
            assertThat(c).isNotNull();
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getReason()).isEqualTo("ListenQueueSaturated");
            assertThat(c.getMessage()).contains("shop/web-7f9c port 8080").contains("129/128").contains(SINCE)
                    .contains("listen() backlog");
        });
        await().atMost(WAIT).untilAsserted(() -> {
            List<Event> saturated = cluster.events("shop", "web-7f9c", "ListenQueueSaturated");
            assertThat(saturated).singleElement().satisfies(e -> {
                assertThat(e.getType()).isEqualTo("Warning");
                assertThat(e.getReportingController()).isEqualTo("backlogsentinel.dev/operator");
                assertThat(e.getRegarding().getUid()).isEqualTo(uid);
                assertThat(e.getNote()).contains("129/128").contains(SINCE).contains("raise the backlog the application passes to listen()")
                        .hasSizeLessThanOrEqualTo(1024);
            });
            assertThat(cluster.events("shop", "web-7f9c", "ListenQueueOverflow")).singleElement()
                    .satisfies(e -> assertThat(e.getNote()).contains("ListenOverflows").contains("65"));
            assertThat(cluster.events("default", "n1", "ListenQueuePressure")).hasSize(1);
            BacklogPolicy policy = cluster.policy("shop", "web");
            assertThat(policy.getStatus().getSaturated()).isEqualTo(1);
            assertThat(policy.getStatus().getMatchedPods()).isEqualTo(1);
            assertThat(policy.getStatus().getListeners()).isEqualTo(1);
            assertThat(policy.getStatus().getSaturatedListeners()).singleElement().satisfies(s -> {
                assertThat(s.getNode()).isEqualTo("n1");
                assertThat(s.getPod()).isEqualTo("web-7f9c");
                assertThat(s.getPort()).isEqualTo(8080);
                assertThat(s.getDepth()).isEqualTo(129);
            });
            assertThat(policy.getStatus().getConditions()).singleElement().satisfies(c -> {
                assertThat(c.getType()).isEqualTo("Ready");
                assertThat(c.getStatus()).isEqualTo("True");
                assertThat(c.getReason()).isEqualTo("Accepted");
            });
            assertThat(policy.getStatus().getObservedGeneration()).isEqualTo(policy.getMetadata().getGeneration());
        });

        writeDescribeExample(cluster.pressure("n1"), List.of(
                cluster.events("shop", "web-7f9c", "ListenQueueSaturated").getFirst(),
                cluster.events("shop", "web-7f9c", "ListenQueueOverflow").getFirst()),
                cluster.events("default", "n1", "ListenQueuePressure"));

        // The listener recovers: the agent's report no longer lists it.
        cluster.report("n1", "2026-11-21T10:05:00Z", counts("shop", "web", 0), List.of());
        await().atMost(WAIT).untilAsserted(() -> {
            NodeCondition c = cluster.pressure("n1");
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("NoListenQueuePressure");
            assertThat(cluster.events("shop", "web-7f9c", "ListenQueueRecovered")).singleElement()
                    .satisfies(e -> assertThat(e.getNote()).contains("shop/web-7f9c port 8080").contains(SINCE));
            assertThat(cluster.events("default", "n1", "NoListenQueuePressure")).hasSize(1);
            BacklogPolicy policy = cluster.policy("shop", "web");
            assertThat(policy.getStatus().getSaturated()).isZero();
            assertThat(policy.getStatus().getSaturatedListeners()).isEmpty();
        });
    }

    @Test
    void theSameFindingReportedTenTimesIsOneEventWithCountTenAndOneNodePatch() {
        cluster.node("n2");
        String uid = cluster.pod("cart", "api-1");
        cluster.policy("cart", "api", spec -> { });
        cluster.lease("n2", Instant.now());
        String nodeVersion = null;
        String policyVersion = null;
        for (int i = 1; i <= 10; i++) {
            cluster.report("n2", "2026-11-21T10:00:%02dZ".formatted(i * 5), counts("cart", "api", 1),
                    List.of(Cluster.saturated("api", "cart", "api-1", uid, 9000, 9, 8, "somaxconn", SINCE, 40)));
            int expected = i;
            await().atMost(WAIT).untilAsserted(() -> assertThat(cluster.events("cart", "api-1", "ListenQueueSaturated"))
                    .singleElement().satisfies(e -> assertThat(e.getDeprecatedCount()).isEqualTo(expected)));
            if (i == 1) {
                nodeVersion = client.nodes().withName("n2").get().getMetadata().getResourceVersion();
                await().atMost(WAIT).untilAsserted(() -> assertThat(cluster.policy("cart", "api").getStatus().getSaturated()).isEqualTo(1));
                policyVersion = cluster.policy("cart", "api").getMetadata().getResourceVersion();
            }
        }
        assertThat(cluster.policy("cart", "api").getMetadata().getResourceVersion()).as("policy status patched only on change")
                .isEqualTo(policyVersion);
        Event event = cluster.events("cart", "api-1", "ListenQueueSaturated").getFirst();
        assertThat(event.getSeries().getCount()).isEqualTo(10);
        assertThat(event.getNote()).contains("net.core.somaxconn").contains("securityContext.sysctls");
        assertThat(client.nodes().withName("n2").get().getMetadata().getResourceVersion()).as("one node patch").isEqualTo(nodeVersion);
        assertThat(cluster.events("cart", "api-1", "ListenQueueOverflow")).singleElement()
                .satisfies(e -> assertThat(e.getDeprecatedCount()).as("overflow total never moved").isEqualTo(1));
        assertThat(cluster.events("default", "n2", "ListenQueuePressure")).hasSize(1);

        // An operator restarted with the same reports: a reconcile with no memory but what the API holds.
        NodeReconciliation restarted = freshReconciliation();
        Lease lease = client.leases().inNamespace(Cluster.OPERATOR_NAMESPACE).withName("backlog-sentinel-agent-n2").get();
        var report = client.resources(dev.backlogsentinel.api.report.NodeBacklogReport.class).withName("n2").get();
        restarted.reconcile(report, lease, ValidPolicies.of(client.resources(BacklogPolicy.class).inAnyNamespace().list().getItems().stream()));
        assertThat(cluster.events("cart", "api-1", "ListenQueueSaturated")).singleElement()
                .satisfies(e -> assertThat(e.getDeprecatedCount()).isEqualTo(10));
        assertThat(cluster.events("default", "n2", "ListenQueuePressure")).hasSize(1);
        assertThat(client.nodes().withName("n2").get().getMetadata().getResourceVersion()).as("no node patch").isEqualTo(nodeVersion);
    }

    private NodeReconciliation freshReconciliation() {
        OperatorMetrics metrics = new OperatorMetrics(new SimpleMeterRegistry());
        Clock clock = Clock.systemUTC();
        return new NodeReconciliation(new NodeConditionWriter(client, clock, metrics), new EventRecorder(client, clock, metrics),
                config, new OperatorNamespace(Cluster.OPERATOR_NAMESPACE), clock);
    }

    @Test
    void anExpiredLeaseMakesTheConditionUnknownAndARenewedOneRestoresTheReportsTruth() {
        cluster.node("n3");
        String uid = cluster.pod("pay", "gw-0");
        cluster.policy("pay", "gw", spec -> { });
        cluster.lease("n3", Instant.now().minusSeconds(120));
        cluster.report("n3", "2026-11-21T10:00:00Z", counts("pay", "gw", 1),
                List.of(Cluster.saturated("gw", "pay", "gw-0", uid, 443, 200, 128, "backlog", SINCE, 10)));
        await().atMost(WAIT).untilAsserted(() -> {
            NodeCondition c = cluster.pressure("n3");
            assertThat(c).isNotNull();
            assertThat(c.getStatus()).isEqualTo("Unknown");
            assertThat(c.getReason()).isEqualTo("BacklogAgentNotReporting");
            assertThat(c.getMessage()).contains("backlog-sentinel/backlog-sentinel-agent-n3").contains("grace 40s");
            assertThat(cluster.events("default", "n3", "BacklogAgentNotReporting")).hasSize(1);
            assertThat(cluster.events("pay", "gw-0", "ListenQueueSaturated")).as("a stale report says nothing about pods").isEmpty();
        });

        cluster.lease("n3", Instant.now());
        await().atMost(WAIT).untilAsserted(() -> {
            NodeCondition c = cluster.pressure("n3");
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getReason()).isEqualTo("ListenQueueSaturated");
            assertThat(cluster.events("default", "n3", "ListenQueuePressure")).hasSize(1);
            assertThat(cluster.events("pay", "gw-0", "ListenQueueSaturated")).hasSize(1);
        });
    }

    @Test
    void metricsCountReconcilesEventsAndNodePatches() {
        cluster.node("n7");
        String uid = cluster.pod("metrics", "m-0");
        cluster.policy("metrics", "m", spec -> { });
        cluster.lease("n7", Instant.now());
        cluster.report("n7", "2026-11-21T10:00:00Z", counts("metrics", "m", 1),
                List.of(Cluster.saturated("m", "metrics", "m-0", uid, 80, 20, 16, "backlog", SINCE, 3)));
        await().atMost(WAIT).untilAsserted(() -> {
            String body = io.restassured.RestAssured.given().get("/q/metrics").then().statusCode(200).extract().asString();
            assertThat(body).contains("backlog_operator_reconciles_total{controller=\"node-pressure\"}")
                    .contains("backlog_operator_reconciles_total{controller=\"policy-status\"}")
                    .contains("backlog_operator_events_written_total{reason=\"ListenQueueSaturated\"}")
                    .contains("backlog_operator_node_patches_total");
        });
    }

    @Test
    void lastTransitionTimeMovesOnlyWithTheStatus() {
        cluster.node("n8");
        OperatorMetrics metrics = new OperatorMetrics(new SimpleMeterRegistry());
        Instant t1 = Instant.parse("2026-11-21T10:00:00Z");
        var trueOne = new dev.backlogsentinel.operator.node.DesiredCondition("True", "ListenQueueSaturated", "one");
        var trueTwo = new dev.backlogsentinel.operator.node.DesiredCondition("True", "ListenQueueSaturated", "two");
        var falseOne = new dev.backlogsentinel.operator.node.DesiredCondition("False", "NoListenQueuePressure", "none");
        assertThat(writerAt(t1, metrics).apply("n8", trueOne).orElseThrow().patched()).isTrue();
        assertThat(writerAt(t1.plusSeconds(5), metrics).apply("n8", trueOne).orElseThrow().patched()).as("nothing changed").isFalse();
        assertThat(writerAt(t1.plusSeconds(10), metrics).apply("n8", trueTwo).orElseThrow().patched()).isTrue();
        assertThat(cluster.pressure("n8").getLastTransitionTime()).as("message changed, status did not").isEqualTo(t1.toString());
        assertThat(cluster.pressure("n8").getMessage()).isEqualTo("two");
        writerAt(t1.plusSeconds(20), metrics).apply("n8", falseOne);
        assertThat(cluster.pressure("n8").getLastTransitionTime()).isEqualTo(t1.plusSeconds(20).toString());
        assertThat(client.nodes().withName("n8").get().getStatus().getConditions()).extracting(c -> c.getType())
                .as("kubelet's conditions stay").contains("Ready", "ListenQueuePressure");
        assertThat(writerAt(t1, metrics).apply("no-such-node", falseOne)).isEmpty();
    }

    private NodeConditionWriter writerAt(Instant now, OperatorMetrics metrics) {
        return new NodeConditionWriter(client, Clock.fixed(now, java.time.ZoneOffset.UTC), metrics);
    }

    @Test
    void aNodeWhoseAgentNeverReportedGetsNoCondition() {
        cluster.node("n4");
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
                .untilAsserted(() -> assertThat(cluster.pressure("n4")).isNull());
    }

    @Test
    void anInvalidPolicyThatReachesTheOperatorIsNotEnforcedAndSaysWhy() {
        cluster.node("n5");
        String uid = cluster.pod("bad", "svc-0");
        cluster.policy("bad", "inverted", spec -> {
            spec.setWarningPercent(95);
            spec.setCriticalPercent(90);
            spec.setSustainFor("soon");
        });
        cluster.lease("n5", Instant.now());
        cluster.report("n5", "2026-11-21T10:00:00Z", counts("bad", "inverted", 1),
                List.of(Cluster.saturated("inverted", "bad", "svc-0", uid, 80, 20, 16, "backlog", SINCE, 3)));
        await().atMost(WAIT).untilAsserted(() -> {
            BacklogPolicy policy = cluster.policy("bad", "inverted");
            assertThat(policy.getStatus()).isNotNull();
            assertThat(policy.getStatus().getConditions()).singleElement().satisfies(c -> {
                assertThat(c.getStatus()).isEqualTo("False");
                assertThat(c.getReason()).isEqualTo("InvalidSpec");
                assertThat(c.getMessage()).contains("warningPercent (95) must be less than criticalPercent (90)")
                        .contains("sustainFor 'soon'");
            });
            assertThat(policy.getStatus().getSaturated()).as("not enforced half-way").isNull();
            assertThat(cluster.events("bad", "inverted", "InvalidPolicy")).hasSize(1);
            NodeCondition c = cluster.pressure("n5");
            assertThat(c).isNotNull();
            assertThat(c.getStatus()).isEqualTo("False");
        });
        assertThat(cluster.events("bad", "svc-0", "ListenQueueSaturated")).isEmpty();
    }

    @Test
    void policiesWithoutEventsOrWithoutNodeConditionAreHonoured() {
        cluster.node("n6");
        String quietUid = cluster.pod("quiet", "q-0");
        String loudUid = cluster.pod("loud", "l-0");
        cluster.policy("quiet", "no-events", spec -> spec.setEvents(false));
        cluster.policy("loud", "no-condition", spec -> spec.setNodeCondition(false));
        cluster.lease("n6", Instant.now());
        cluster.report("n6", "2026-11-21T10:00:00Z", List.of(), List.of(
                Cluster.saturated("no-events", "quiet", "q-0", quietUid, 80, 20, 16, "backlog", SINCE, 3),
                Cluster.saturated("no-condition", "loud", "l-0", loudUid, 81, 20, 16, "backlog", SINCE, 3)));
        await().atMost(WAIT).untilAsserted(() -> {
            NodeCondition c = cluster.pressure("n6");
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getMessage()).contains("quiet/q-0").doesNotContain("loud/l-0");
            assertThat(cluster.events("loud", "l-0", "ListenQueueSaturated")).hasSize(1);
        });
        assertThat(cluster.events("quiet", "q-0", "ListenQueueSaturated")).isEmpty();
    }
}
