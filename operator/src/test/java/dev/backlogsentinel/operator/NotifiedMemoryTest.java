package dev.backlogsentinel.operator;

import dev.backlogsentinel.testing.Cluster;
import dev.backlogsentinel.api.policy.BacklogPolicy;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.api.report.PolicyCount;
import dev.backlogsentinel.operator.config.OperatorConfig;
import dev.backlogsentinel.operator.events.EventRecorder;
import dev.backlogsentinel.operator.events.UndeliveredEvents;
import dev.backlogsentinel.operator.metrics.OperatorMetrics;
import dev.backlogsentinel.operator.node.FindingEvents;
import dev.backlogsentinel.operator.node.NodeConditionWriter;
import dev.backlogsentinel.operator.node.AgentHeartbeats;
import dev.backlogsentinel.operator.node.NodeReconciliation;
import dev.backlogsentinel.operator.node.NotifiedStore;
import dev.backlogsentinel.operator.policy.ValidPolicies;
import dev.backlogsentinel.testing.AuditLog;
import dev.backlogsentinel.testing.ChartInstall;
import dev.backlogsentinel.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the operator has said, against a real API server started with a 5 s --event-ttl, so Events
 * expire while findings go on. The reconciliation is driven by hand on a test clock, as the chart's
 * operator ServiceAccount; "a restart" is a new instance with nothing in memory but the cluster.
 */
class NotifiedMemoryTest {

    static final Duration TTL = Duration.ofSeconds(5);
    static final String OPERATOR = "system:serviceaccount:" + ChartInstall.NAMESPACE + ":" + ChartInstall.OPERATOR_SERVICE_ACCOUNT;
    static AuditLog audit;
    static TestApiServer server;
    static ChartInstall.Installed chart;

    KubernetesClient admin;
    KubernetesClient operator;
    Cluster cluster;
    TestClock clock;
    SimpleMeterRegistry registry;

    @BeforeAll
    static void startServer() {
        audit = AuditLog.of(List.of(OPERATOR));
        server = TestApiServer.start(TTL, audit.flags());
        chart = ChartInstall.on(server);
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void setUp() {
        admin = server.admin();
        operator = chart.operator().client();
        cluster = new Cluster(admin);
        clock = new TestClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    }

    @AfterEach
    void tearDown() {
        admin.close();
        operator.close();
    }

    /** The refused events of the last operatorInstance(), as its policy statuses would show them. */
    UndeliveredEvents undelivered;

    /** A fresh operator: nothing in memory but what the cluster holds. */
    NodeReconciliation operatorInstance() {
        registry = new SimpleMeterRegistry();
        undelivered = new UndeliveredEvents();
        OperatorMetrics metrics = new OperatorMetrics(registry);
        EventRecorder events = new EventRecorder(operator, metrics);
        return new NodeReconciliation(new NodeConditionWriter(operator, metrics), events,
                new FindingEvents(events, undelivered, Duration.ofMinutes(1)), new NotifiedStore(operator, metrics), CONFIG,
                new AgentHeartbeats(clock, CONFIG.agentGrace(), ChartInstall.AGENT_NAMESPACE), clock);
    }

    /** One reconcile as the controller runs it, from what the cluster holds now (its informers' view). */
    Optional<Duration> reconcile(NodeReconciliation instance, String node) {
        NodeBacklogReport report = cluster.report(node);
        var lease = admin.leases().inNamespace(ChartInstall.AGENT_NAMESPACE).withName("backlog-sentinel-agent-" + node).get();
        return instance.reconcile(report, lease, ValidPolicies.of(admin.resources(BacklogPolicy.class).inAnyNamespace().list()
                .getItems().stream())).lookAgainIn();
    }

    double written(String reason) {
        Counter c = registry.find("backlog.operator.events.written").tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    double failed(String reason) {
        Counter c = registry.find("backlog.operator.event.write.failures").tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    static List<PolicyCount> counts(String namespace, String policy) {
        return List.of(new PolicyCount(namespace, policy, 1, 1, 0, 1));
    }

    @Test
    void aFindingWhoseNamespaceIsDeletedIsClosedNotRetriedForEver() {
        cluster.node("m5");
        String uid = cluster.pod("closing", "web-0");
        cluster.policy("closing", "web", spec -> { });
        String since = clock.instant().toString();
        NodeReconciliation instance = operatorInstance();
        cluster.lease("m5", clock.instant());
        cluster.report("m5", clock.instant().toString(), counts("closing", "web"),
                List.of(Cluster.saturated("web", "closing", "web-0", uid, 8080, 17, 16, "backlog", since, 10)));
        reconcile(instance, "m5");
        assertThat(cluster.events("closing", "web-0", "ListenQueueSaturated")).hasSize(1);
        assertThat(cluster.report("m5").getMetadata().getAnnotations().get("backlogsentinel.dev/notified"))
                .as("the finding, open in the operator's memory").contains("closing/web-0");

        // The namespace is deleted (this server has no namespace controller: it stays Terminating, refusing new
        // content with the NamespaceTerminating cause), and the pod's listener leaves the report.
        admin.namespaces().withName("closing").delete();
        clock.advance(Duration.ofSeconds(10));
        cluster.lease("m5", clock.instant());
        cluster.report("m5", clock.instant().toString(), List.of(), List.of());
        Optional<Duration> again = reconcile(instance, "m5");
        assertThat(failed("ListenQueueRecovered")).as("tried once, refused").isEqualTo(1);
        assertThat(again).as("nothing to retry").isEmpty();
        assertThat(cluster.report("m5").getMetadata().getAnnotations().get("backlogsentinel.dev/notified"))
                .as("the finding is closed in the operator's memory").doesNotContain("closing/web-0");
        clock.advance(Duration.ofMinutes(2));
        cluster.lease("m5", clock.instant());
        reconcile(instance, "m5");
        assertThat(failed("ListenQueueRecovered")).as("and never tried again").isEqualTo(1);
    }

    @Test
    void anHourOfSaturationIsBoundedWritesOutlivesTheEventTtlAndEndsWithExactlyOneRecovered() throws Exception {
        cluster.node("m1");
        String uid = cluster.pod("hour", "web-0");
        cluster.policy("hour", "web", spec -> { });
        String since = clock.instant().toString();
        NodeReconciliation first = operatorInstance();

        // An hour, one reconcile every 10 s (as the agent's Lease renewals would wake it), the overflow total climbing.
        int reconciles = 0;
        for (int step = 0; step < 360; step++) {
            cluster.lease("m1", clock.instant());
            if (step % 3 == 0) {
                cluster.report("m1", clock.instant().toString(), counts("hour", "web"),
                        List.of(Cluster.saturated("web", "hour", "web-0", uid, 8080, 17, 16, "backlog", since, 100 + step)));
            }
            reconcile(first, "m1");
            reconciles++;
            clock.advance(Duration.ofSeconds(10));
        }
        assertThat(reconciles).isEqualTo(360);
        assertThat(written("ListenQueueSaturated")).as("first sighting + one raise per minute").isBetween(59.0, 61.0);
        assertThat(written("ListenQueueOverflow")).as("the same bound, overflows moving all the time").isBetween(59.0, 61.0);
        assertThat(written("ListenQueuePressure")).isEqualTo(1);
        Event saturated = cluster.events("hour", "web-0", "ListenQueueSaturated").getFirst();
        assertThat(saturated.getCount()).isEqualTo((int) written("ListenQueueSaturated"));
        assertThat(Instant.parse(saturated.getFirstTimestamp())).isEqualTo(Instant.parse(since));
        assertThat(Duration.between(Instant.parse(saturated.getFirstTimestamp()), Instant.parse(saturated.getLastTimestamp())))
                .as("describe shows how long it has lasted").isGreaterThanOrEqualTo(Duration.ofMinutes(58));
        int countBefore = saturated.getCount();

        // The server's --event-ttl passes: the Events are deleted, the finding goes on.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                .until(() -> cluster.events("hour", "web-0", "ListenQueueSaturated").isEmpty());
        clock.advance(Duration.ofMinutes(1));
        cluster.lease("m1", clock.instant());
        reconcile(first, "m1");
        assertThat(cluster.events("hour", "web-0", "ListenQueueSaturated")).as("created again, its count carried on")
                .singleElement().satisfies(e -> {
                    assertThat(e.getCount()).isEqualTo(countBefore + 1);
                    assertThat(Instant.parse(e.getFirstTimestamp())).isEqualTo(Instant.parse(since));
                });

        // A restart while nothing changed: nothing is said again, the node is not patched.
        String nodeVersion = admin.nodes().withName("m1").get().getMetadata().getResourceVersion();
        NodeReconciliation restarted = operatorInstance();
        reconcile(restarted, "m1");
        assertThat(registry.find("backlog.operator.events.written").counters()).as("a restart repeats nothing").isEmpty();
        assertThat(admin.nodes().withName("m1").get().getMetadata().getResourceVersion()).isEqualTo(nodeVersion);

        // It recovers while no operator runs; the next one to start says so, once.
        cluster.report("m1", clock.instant().toString(), counts("hour", "web"), List.of());
        clock.advance(Duration.ofSeconds(10));
        cluster.lease("m1", clock.instant());
        NodeReconciliation afterOutage = operatorInstance();
        reconcile(afterOutage, "m1");
        reconcile(afterOutage, "m1");
        assertThat(cluster.events("hour", "web-0", "ListenQueueRecovered")).singleElement()
                .satisfies(e -> assertThat(e.getMessage()).contains("saturated from " + since).contains("1h"));
        assertThat(written("ListenQueueRecovered")).isEqualTo(1);
        assertThat(cluster.pressure("m1").getStatus()).isEqualTo("False");

        // Even once the Recovered event itself has expired, a later operator does not say it again.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                .until(() -> cluster.events("hour", "web-0", "ListenQueueRecovered").isEmpty());
        NodeReconciliation later = operatorInstance();
        reconcile(later, "m1");
        assertThat(cluster.events("hour", "web-0", "ListenQueueRecovered")).isEmpty();
        assertThat(registry.find("backlog.operator.events.written").counters()).isEmpty();
    }

    @Test
    void aReconcileInWhichNothingChangedSendsNoRequestAndAChangeOnlyItsWrites() {
        cluster.node("m4");
        String uid = cluster.pod("quiet", "db-0");
        cluster.policy("quiet", "db", spec -> { });
        cluster.lease("m4", clock.instant());
        cluster.report("m4", clock.instant().toString(), counts("quiet", "db"), List.of());
        NodeReconciliation instance = operatorInstance();
        reconcile(instance, "m4");
        // Twenty more reconciles as Lease renewals or report refreshes that change nothing would cause.
        long mark = audit.mark();
        for (int i = 0; i < 20; i++) {
            clock.advance(Duration.ofSeconds(10));
            cluster.lease("m4", clock.instant());
            reconcile(instance, "m4");
        }
        assertThat(audit.since(mark).getOrDefault(OPERATOR, java.util.Map.of())).as("no read, no write").isEmpty();

        // A listener turns Saturated: the condition, the node's event, the pod's two events, the memory. Nothing else.
        cluster.report("m4", clock.instant().toString(), counts("quiet", "db"),
                List.of(Cluster.saturated("db", "quiet", "db-0", uid, 5432, 17, 16, "backlog", clock.instant().toString(), 9)));
        mark = audit.mark();
        reconcile(instance, "m4");
        assertThat(audit.since(mark).get(OPERATOR)).containsExactlyInAnyOrderEntriesOf(java.util.Map.of(
                "patch nodes/status", 1, "create events", 3, "patch nodebacklogreports", 1));
    }

    @Test
    void lastTransitionTimeMovesOnlyWithTheStatusAndEachTransitionIsOneNodeEvent() {
        cluster.node("m2");
        String uid = cluster.pod("lt", "api-0");
        cluster.policy("lt", "api", spec -> { });
        NodeReconciliation instance = operatorInstance();
        Instant t1 = clock.instant();
        cluster.lease("m2", clock.instant());
        cluster.report("m2", t1.toString(), counts("lt", "api"),
                List.of(Cluster.saturated("api", "lt", "api-0", uid, 80, 17, 16, "backlog", t1.toString(), 5)));
        reconcile(instance, "m2");
        assertThat(cluster.pressure("m2").getLastTransitionTime()).isEqualTo(t1.toString());

        clock.advance(Duration.ofSeconds(20));
        cluster.lease("m2", clock.instant());
        cluster.report("m2", clock.instant().toString(), counts("lt", "api"),
                List.of(Cluster.saturated("api", "lt", "api-0", uid, 80, 25, 16, "backlog", t1.toString(), 5)));
        String message = cluster.pressure("m2").getMessage();
        long mark = audit.mark();
        reconcile(instance, "m2");
        assertThat(cluster.pressure("m2").getMessage()).as("a new depth is not a new message").isEqualTo(message).doesNotContain("25");
        assertThat(audit.since(mark).getOrDefault(OPERATOR, java.util.Map.of())).as("so nodes/status is not patched").isEmpty();
        assertThat(cluster.pressure("m2").getLastTransitionTime()).as("the status did not change").isEqualTo(t1.toString());

        clock.advance(Duration.ofSeconds(20));
        Instant t3 = clock.instant();
        cluster.lease("m2", clock.instant());
        cluster.report("m2", t3.toString(), counts("lt", "api"), List.of());
        reconcile(instance, "m2");
        assertThat(cluster.pressure("m2").getStatus()).isEqualTo("False");
        assertThat(cluster.pressure("m2").getLastTransitionTime()).isEqualTo(t3.toString());
        assertThat(cluster.events("default", "m2", "ListenQueuePressure")).hasSize(1);
        assertThat(cluster.events("default", "m2", "NoListenQueuePressure")).hasSize(1);
        assertThat(written("ListenQueuePressure")).isEqualTo(1);
    }

    @Test
    void aWriteTheServerRefusesIsRetriedNotDropped() {
        cluster.node("m3");
        String uid = cluster.pod("refused", "db-0");
        cluster.policy("refused", "db", spec -> { });
        cluster.lease("m3", clock.instant());
        cluster.report("m3", clock.instant().toString(), counts("refused", "db"),
                List.of(Cluster.saturated("db", "refused", "db-0", uid, 5432, 17, 16, "backlog", clock.instant().toString(), 0)));
        String role = ChartInstall.OPERATOR_SERVICE_ACCOUNT;
        ClusterRole granted = admin.rbac().clusterRoles().withName(role).get();
        List<PolicyRule> withoutEvents = granted.getRules().stream().filter(r -> !r.getResources().contains("events")).toList();
        NodeReconciliation instance = operatorInstance();
        try {
            admin.rbac().clusterRoles().withName(role).edit(r -> {
                r.setRules(withoutEvents);
                return r;
            });
            // RBAC is judged from the server's cache: wait until the refusal is real.
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                Optional<Duration> retry = reconcile(instance, "m3");
                return failed("ListenQueueSaturated") > 0 && retry.isPresent() && retry.get().compareTo(Duration.ofSeconds(4)) <= 0;
            });
            assertThat(cluster.events("refused", "db-0", "ListenQueueSaturated")).isEmpty();
            assertThat(cluster.pressure("m3").getStatus()).as("the condition went through").isEqualTo("True");
            assertThat(undelivered.of("refused", "db").values()).as("what the policy's EventsWritten condition shows")
                    .singleElement().satisfies(r -> {
                        assertThat(r.what()).isEqualTo("ListenQueueSaturated of refused/db-0 port 5432 (0.0.0.0)");
                        assertThat(r.error()).startsWith("403 ");
                    });
        } finally {
            admin.rbac().clusterRoles().withName(role).edit(r -> {
                r.setRules(granted.getRules());
                return r;
            });
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            reconcile(instance, "m3");
            assertThat(cluster.events("refused", "db-0", "ListenQueueSaturated")).as("the retry wrote it").hasSize(1);
        });
        assertThat(undelivered.of("refused", "db")).as("written at last: nothing refused any more").isEmpty();
        assertThat(cluster.events("default", "m3", "ListenQueuePressure")).as("the node event too, once").hasSize(1);
    }

    static final OperatorConfig CONFIG = new OperatorConfig() {
        @Override
        public Duration agentGrace() {
            return Duration.ofSeconds(40);
        }

        @Override
        public Optional<String> namespace() {
            return Optional.of(ChartInstall.NAMESPACE);
        }

        @Override
        public Optional<String> agentNamespace() {
            return Optional.of(ChartInstall.AGENT_NAMESPACE);
        }

        @Override
        public String agentServiceAccount() {
            return ChartInstall.AGENT_SERVICE_ACCOUNT;
        }

        @Override
        public Duration policyStatusMinInterval() {
            return Duration.ofSeconds(10);
        }

        @Override
        public int maxSaturatedListeners() {
            return 20;
        }

        @Override
        public Duration eventRefreshInterval() {
            return Duration.ofMinutes(1);
        }

        @Override
        public int conditionListeners() {
            return 3;
        }
    };
}
