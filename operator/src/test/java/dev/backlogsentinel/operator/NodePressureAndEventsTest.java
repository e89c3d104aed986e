package dev.backlogsentinel.operator;

import dev.backlogsentinel.testing.Cluster;
import dev.backlogsentinel.api.policy.BacklogPolicy;
import dev.backlogsentinel.api.report.PolicyCount;
import dev.backlogsentinel.api.report.ReportedListener;
import dev.backlogsentinel.testing.RealApiServer;
import dev.backlogsentinel.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The operator, wired as it runs, against a real kube-apiserver as the chart's operator
 * ServiceAccount. Reports go in as agents write them; the assertions read what the cluster shows
 * and what the real `kubectl describe` prints. Each test uses its own node and namespace: the
 * operator runs throughout.
 */
@QuarkusTest
@QuarkusTestResource(value = RealApiServer.class, restrictToAnnotatedClass = true)
class NodePressureAndEventsTest {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final String SINCE = "2026-11-21T10:00:00Z";

    @jakarta.inject.Inject
    dev.backlogsentinel.operator.config.OperatorConfig config;

    KubernetesClient admin;
    Cluster cluster;

    @BeforeEach
    void setUp() {
        admin = TestApiServer.shared().admin();
        cluster = new Cluster(admin);
    }

    @AfterEach
    void tearDown() {
        admin.close();
    }

    static List<PolicyCount> counts(String namespace, String policy, int saturated) {
        return List.of(new PolicyCount(namespace, policy, 1, 1, 0, saturated));
    }

    @Test
    void saturatedListenerSetsPressureWritesEventsAndCountsInThePolicyThenRecovers() {
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
            assertThat(c.getMessage()).contains("shop/web-7f9c port 8080").contains("limit 128").doesNotContain("129").contains(SINCE)
                    .contains("listen() backlog");
        });
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(cluster.events("shop", "web-7f9c", "ListenQueueSaturated")).singleElement().satisfies(e -> {
                assertThat(e.getType()).isEqualTo("Warning");
                assertThat(e.getSource().getComponent()).isEqualTo("backlogsentinel.dev/operator");
                assertThat(e.getInvolvedObject().getUid()).isEqualTo(uid);
                assertThat(e.getCount()).isEqualTo(1);
                assertThat(e.getMessage()).contains("129/128").contains(SINCE).contains("raise the backlog the application passes to listen()")
                        .hasSizeLessThanOrEqualTo(1024);
            });
            assertThat(cluster.events("shop", "web-7f9c", "ListenQueueOverflow")).singleElement()
                    .satisfies(e -> assertThat(e.getMessage()).contains("ListenOverflows").contains("65"));
            assertThat(cluster.events("default", "n1", "ListenQueuePressure")).hasSize(1);
            BacklogPolicy policy = cluster.policy("shop", "web");
            assertThat(policy.getStatus().getSaturated()).isEqualTo(1);
            assertThat(policy.getStatus().getMatchedPods()).isEqualTo(1);
            assertThat(policy.getStatus().getListeners()).isEqualTo(1);
            assertThat(policy.getStatus().getSaturatedListeners()).singleElement().satisfies(s -> {
                assertThat(s.getNode()).isEqualTo("n1");
                assertThat(s.getPod()).isEqualTo("web-7f9c");
                assertThat(s.getPort()).isEqualTo(8080);
                assertThat(s.getLimit()).isEqualTo(128);
            });
            assertThat(policy.getStatus().getConditions()).extracting(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason())
                    .containsExactly("Ready=True/Accepted", "EventsWritten=True/Written");
            assertThat(policy.getStatus().getObservedGeneration()).isEqualTo(policy.getMetadata().getGeneration());
        });
        // What a user types: the real kubectl finds the events and the condition.
        String node = Cluster.describe("node", "n1");
        assertThat(node).containsPattern("ListenQueuePressure\\s+True\\s+.*ListenQueueSaturated")
                .containsPattern("Warning\\s+ListenQueuePressure\\s+\\S+\\s+backlogsentinel.dev/operator\\s+1 listen queue is saturated");
        String pod = Cluster.describe("pod", "-n", "shop", "web-7f9c");
        assertThat(pod).containsPattern("Warning\\s+ListenQueueSaturated\\s+\\S+\\s+backlogsentinel.dev/operator\\s+Listen queue of shop/web-7f9c")
                .containsPattern("Warning\\s+ListenQueueOverflow\\s+");

        // The listener recovers: the agent's report no longer lists it.
        cluster.report("n1", "2026-11-21T10:05:00Z", counts("shop", "web", 0), List.of());
        await().atMost(WAIT).untilAsserted(() -> {
            NodeCondition c = cluster.pressure("n1");
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("NoListenQueuePressure");
            assertThat(cluster.events("shop", "web-7f9c", "ListenQueueRecovered")).singleElement()
                    .satisfies(e -> assertThat(e.getMessage()).contains("shop/web-7f9c port 8080").contains("saturated from " + SINCE));
            assertThat(cluster.events("default", "n1", "NoListenQueuePressure")).hasSize(1);
            BacklogPolicy policy = cluster.policy("shop", "web");
            assertThat(policy.getStatus().getSaturated()).isZero();
            assertThat(policy.getStatus().getSaturatedListeners()).isEmpty();
        });
        assertThat(Cluster.describe("pod", "-n", "shop", "web-7f9c")).containsPattern("Normal\\s+ListenQueueRecovered\\s+");
    }

    @Test
    void tenReportsOfTheSameFindingWithinAMinuteAreOneEventAndOneNodePatch() {
        cluster.node("n2");
        String uid = cluster.pod("cart", "api-1");
        cluster.policy("cart", "api", spec -> { });
        cluster.lease("n2", Instant.now());
        String nodeVersion = null;
        String policyVersion = null;
        for (int i = 1; i <= 10; i++) {
            cluster.report("n2", "2026-11-21T10:00:%02dZ".formatted(i * 5), counts("cart", "api", 1),
                    List.of(Cluster.saturated("api", "cart", "api-1", uid, 9000, 9, 8, "somaxconn", SINCE, 40 + i)));
            if (i == 1) {
                await().atMost(WAIT).untilAsserted(() -> {
                    assertThat(cluster.events("cart", "api-1", "ListenQueueSaturated")).hasSize(1);
                    assertThat(cluster.policy("cart", "api").getStatus().getSaturated()).isEqualTo(1);
                    assertThat(cluster.pressure("n2")).isNotNull();
                });
                nodeVersion = admin.nodes().withName("n2").get().getMetadata().getResourceVersion();
                policyVersion = cluster.policy("cart", "api").getMetadata().getResourceVersion();
            }
        }
        // The last report's values reached the operator: its memory names the last overflow total written (the first).
        await().atMost(WAIT).untilAsserted(() -> assertThat(cluster.report("n2").getMetadata().getAnnotations())
                .containsKey("backlogsentinel.dev/notified"));
        assertThat(cluster.policy("cart", "api").getMetadata().getResourceVersion()).as("policy status patched only on change")
                .isEqualTo(policyVersion);
        Event event = cluster.events("cart", "api-1", "ListenQueueSaturated").getFirst();
        assertThat(event.getCount()).as("raised at most once a minute").isEqualTo(1);
        assertThat(event.getMessage()).contains("net.core.somaxconn").contains("securityContext.sysctls");
        assertThat(admin.nodes().withName("n2").get().getMetadata().getResourceVersion()).as("one node patch").isEqualTo(nodeVersion);
        assertThat(cluster.events("cart", "api-1", "ListenQueueOverflow")).singleElement()
                .satisfies(e -> assertThat(e.getCount()).as("overflows moved, but within the minute").isEqualTo(1));
        assertThat(cluster.events("default", "n2", "ListenQueuePressure")).hasSize(1);
    }

    @Test
    void anExpiredLeaseMakesTheConditionUnknownAndARenewedOneRestoresTheReportsTruth() {
        cluster.node("n3");
        String uid = cluster.pod("pay", "gw-0");
        cluster.policy("pay", "gw", spec -> { });
        // Silent for an hour: longer than the grace and any clock error together, so silent at first sight.
        cluster.lease("n3", Instant.now().minus(Duration.ofHours(1)));
        cluster.report("n3", "2026-11-21T10:00:00Z", counts("pay", "gw", 1),
                List.of(Cluster.saturated("gw", "pay", "gw-0", uid, 443, 200, 128, "backlog", SINCE, 10)));
        await().atMost(WAIT).untilAsserted(() -> {
            NodeCondition c = cluster.pressure("n3");
            assertThat(c).isNotNull();
            assertThat(c.getStatus()).isEqualTo("Unknown");
            assertThat(c.getReason()).isEqualTo("BacklogAgentNotReporting");
            assertThat(c.getMessage()).contains(Cluster.AGENT_NAMESPACE + "/backlog-sentinel-agent-n3").contains("grace 100s");
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

    static double metric(String body, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(body);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void metricsCountReconcilesEventsAndNodePatches() {
        String before = RestAssured.given().get("/q/metrics").then().statusCode(200).extract().asString();
        String saturated = "backlog_operator_events_written_total{reason=\"ListenQueueSaturated\"}";
        String patches = "backlog_operator_node_patches_total";
        String statusPatches = "backlog_operator_policy_status_patches_total";
        String reconciles = "backlog_operator_reconciles_total{controller=\"node-pressure\"}";
        cluster.node("n7");
        String uid = cluster.pod("metrics", "m-0");
        cluster.policy("metrics", "m", spec -> { });
        cluster.lease("n7", Instant.now());
        cluster.report("n7", "2026-11-21T10:00:00Z", counts("metrics", "m", 1),
                List.of(Cluster.saturated("m", "metrics", "m-0", uid, 80, 20, 16, "backlog", SINCE, 3)));
        await().atMost(WAIT).untilAsserted(() -> {
            String after = RestAssured.given().get("/q/metrics").then().statusCode(200).extract().asString();
            // Other tests' nodes run on (their agents' Leases expire): at least this node's writes are counted.
            assertThat(metric(after, saturated)).isGreaterThanOrEqualTo(metric(before, saturated) + 1);
            assertThat(metric(after, patches)).isGreaterThanOrEqualTo(metric(before, patches) + 1);
            // The new policy's status (Ready, one Saturated listener) was patched at least once.
            assertThat(cluster.policy("metrics", "m").getStatus()).isNotNull();
            assertThat(metric(after, statusPatches)).isGreaterThanOrEqualTo(metric(before, statusPatches) + 1);
            assertThat(metric(after, reconciles)).isGreaterThan(metric(before, reconciles));
            assertThat(after).contains("backlog_operator_reconciles_total{controller=\"policy-status\"}");
        });
    }

    @Test
    void theConditionIsMergedBesideTheKubeletsOwn() {
        cluster.node("n8");
        cluster.lease("n8", Instant.now());
        cluster.report("n8", "2026-11-21T10:00:00Z", List.of(), List.of());
        await().atMost(WAIT).untilAsserted(() -> assertThat(cluster.pressure("n8")).isNotNull()
                .satisfies(c -> assertThat(c.getStatus()).isEqualTo("False")));
        assertThat(admin.nodes().withName("n8").get().getStatus().getConditions()).extracting(NodeCondition::getType)
                .as("kubelet's conditions stay").containsExactlyInAnyOrder("Ready", "ListenQueuePressure");
    }

    @Test
    void eventsTheServerRefusesShowInThePolicyStatusUntilTheyAreWritten() {
        cluster.node("n11");
        String uid = cluster.pod("noevents", "db-0");
        cluster.policy("noevents", "db", spec -> { });
        // A real refusal: the chart's operator role without events, for as long as this test needs (tests run one at a time).
        String role = dev.backlogsentinel.testing.ChartInstall.OPERATOR_SERVICE_ACCOUNT;
        var granted = admin.rbac().clusterRoles().withName(role).get();
        try {
            admin.rbac().clusterRoles().withName(role).edit(r -> {
                r.setRules(granted.getRules().stream().filter(rule -> !rule.getResources().contains("events")).toList());
                return r;
            });
            cluster.lease("n11", Instant.now());
            cluster.report("n11", "2026-11-21T10:00:00Z", counts("noevents", "db", 1),
                    List.of(Cluster.saturated("db", "noevents", "db-0", uid, 5432, 17, 16, "backlog", SINCE, 3)));
            await().atMost(WAIT).untilAsserted(() -> assertThat(cluster.policy("noevents", "db").getStatus()).isNotNull()
                    .satisfies(status -> assertThat(status.getConditions()).filteredOn(c -> c.getType().equals("EventsWritten"))
                            .singleElement().satisfies(c -> {
                                assertThat(c.getStatus()).isEqualTo("False");
                                assertThat(c.getReason()).isEqualTo("EventWritesFailing");
                                assertThat(c.getMessage()).startsWith("The API server refuses the events of 1 finding")
                                        .contains("ListenQueueSaturated of noevents/db-0 port 5432 (0.0.0.0), since ").contains(": 403 ");
                            })));
            assertThat(cluster.pressure("n11").getStatus()).as("the condition is not held back by the events").isEqualTo("True");
            assertThat(cluster.events("noevents", "db-0", "ListenQueueSaturated")).isEmpty();
        } finally {
            admin.rbac().clusterRoles().withName(role).edit(r -> {
                r.setRules(granted.getRules());
                return r;
            });
        }
        // The retries' backoff doubles from 2 s to at most a minute.
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            assertThat(cluster.events("noevents", "db-0", "ListenQueueSaturated")).as("the retry wrote it").hasSize(1);
            assertThat(cluster.policy("noevents", "db").getStatus().getConditions()).filteredOn(c -> c.getType().equals("EventsWritten"))
                    .singleElement().satisfies(c -> assertThat(c.getStatus() + "/" + c.getReason()).isEqualTo("True/Written"));
        });
    }

    @Test
    void depthsThatMoveChangeNeitherThePolicyStatusNorTheNodeCondition() throws Exception {
        cluster.node("n13");
        String uid = cluster.pod("deep", "web-0");
        cluster.policy("deep", "web", spec -> { });
        cluster.lease("n13", Instant.now());
        cluster.report("n13", "2026-11-21T10:00:00Z", counts("deep", "web", 1),
                List.of(Cluster.saturated("web", "deep", "web-0", uid, 8080, 17, 16, "backlog", SINCE, 3)));
        await().atMost(WAIT).until(() -> cluster.policy("deep", "web").getStatus() != null
                && Integer.valueOf(1).equals(cluster.policy("deep", "web").getStatus().getSaturated()) && cluster.pressure("n13") != null);
        // Past the status interval, so that a patch would not be held back by it.
        Thread.sleep(config.policyStatusMinInterval().toMillis() + 500);
        String policyVersion = cluster.policy("deep", "web").getMetadata().getResourceVersion();
        String nodeVersion = admin.nodes().withName("n13").get().getMetadata().getResourceVersion();
        for (int depth : new int[] {12, 15, 17}) {
            cluster.report("n13", "2026-11-21T10:00:0" + depth % 10 + "Z", counts("deep", "web", 1),
                    List.of(Cluster.saturated("web", "deep", "web-0", uid, 8080, depth, 16, "backlog", SINCE, 3 + depth)));
            Thread.sleep(1_000);
        }
        Thread.sleep(2_000);
        assertThat(cluster.policy("deep", "web").getMetadata().getResourceVersion())
                .as("no policy status patch, so no watch event for the agents").isEqualTo(policyVersion);
        assertThat(admin.nodes().withName("n13").get().getMetadata().getResourceVersion()).as("no nodes/status patch")
                .isEqualTo(nodeVersion);
    }

    @Test
    void aPolicyStatusIsPatchedAtMostOncePerIntervalWhileItsListenersChangeAndEndsWithTheLatest() throws Exception {
        cluster.node("n12");
        cluster.policy("churn", "web", spec -> { });
        cluster.lease("n12", Instant.now());
        cluster.report("n12", "2026-11-21T10:00:00Z", counts("churn", "web", 0), List.of());
        await().atMost(WAIT).until(() -> cluster.policy("churn", "web").getStatus() != null);
        String before = cluster.policy("churn", "web").getMetadata().getResourceVersion();
        List<String> versions = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (var watch = admin.resources(BacklogPolicy.class).inNamespace("churn").withName("web").watch(
                new io.fabric8.kubernetes.client.Watcher<>() {
                    @Override
                    public void eventReceived(Action action, BacklogPolicy p) {
                        versions.add(p.getMetadata().getResourceVersion());
                    }

                    @Override
                    public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {
                    }
                })) {
            // Twelve reports 500 ms apart, each with one more Saturated listener: each would change the status.
            List<ReportedListener> saturated = new java.util.ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < 12; i++) {
                String uid = cluster.pod("churn", "web-" + i);
                saturated.add(Cluster.saturated("web", "churn", "web-" + i, uid, 8080, 17, 16, "backlog", SINCE, 3));
                cluster.report("n12", "2026-11-21T10:00:0" + (i % 10) + "Z", counts("churn", "web", saturated.size()),
                        List.copyOf(saturated));
                Thread.sleep(500);
            }
            await().atMost(WAIT).untilAsserted(() -> assertThat(cluster.policy("churn", "web").getStatus().getSaturatedListeners())
                    .as("the latest, once the interval is over").hasSize(12));
            double seconds = (System.nanoTime() - start) / 1e9;
            Thread.sleep(1_000);
            // Without the interval, every report would be a patch (twelve); with it, one at once and one per interval after.
            assertThat(versions.stream().filter(v -> !v.equals(before)).distinct().count())
                    .as("status patches in %.1f s, at most one per %s", seconds, config.policyStatusMinInterval())
                    .isBetween(1L, (long) (seconds / config.policyStatusMinInterval().toSeconds()) + 1);
        }
    }

    @Test
    void aNodeWhoseAgentNeverReportedGetsNoCondition() {
        cluster.node("n4");
        cluster.node("n4-with-agent");
        cluster.lease("n4-with-agent", Instant.now());
        cluster.report("n4-with-agent", "2026-11-21T10:00:00Z", List.of(), List.of());
        // The operator is at work (its neighbour got a condition) and still says nothing about n4.
        await().atMost(WAIT).untilAsserted(() -> assertThat(cluster.pressure("n4-with-agent")).isNotNull());
        assertThat(cluster.pressure("n4")).isNull();
    }

    @Test
    void anInvalidPolicyThatReachesTheOperatorIsNotEnforcedAndSaysWhy() {
        cluster.node("n5");
        String uid = cluster.pod("bad", "svc-0");
        // The schema's CEL rule (warning < critical) needs Kubernetes 1.25+; this server lets it through to the operator.
        cluster.policy("bad", "inverted", spec -> {
            spec.setWarningPercent(95);
            spec.setCriticalPercent(90);
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
                assertThat(c.getMessage()).contains("warningPercent (95) must be less than criticalPercent (90)");
            });
            assertThat(policy.getStatus().getSaturated()).as("not enforced half-way").isNull();
            assertThat(cluster.events("bad", "inverted", "InvalidPolicy")).hasSize(1);
            NodeCondition c = cluster.pressure("n5");
            assertThat(c).isNotNull();
            assertThat(c.getStatus()).isEqualTo("False");
        });
        assertThat(cluster.events("bad", "svc-0", "ListenQueueSaturated")).isEmpty();
        assertThat(Cluster.describe("backlogpolicy", "-n", "bad", "inverted"))
                .containsPattern("Warning\\s+InvalidPolicy\\s+\\S+\\s+backlogsentinel.dev/operator\\s+BacklogPolicy is not enforced");
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
