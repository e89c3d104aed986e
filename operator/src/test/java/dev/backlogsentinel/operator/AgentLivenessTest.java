package dev.backlogsentinel.operator;

import dev.backlogsentinel.testing.Cluster;
import dev.backlogsentinel.testing.RealApiServer;
import dev.backlogsentinel.testing.TestApiServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An agent's liveness as the operator judges it on a real API server, with a grace of 5 s so that
 * silence can be waited for: timed from when the operator sees each renewal arrive, never by
 * comparing the agent's clock with its own.
 */
@QuarkusTest
@TestProfile(AgentLivenessTest.ShortGrace.class)
@QuarkusTestResource(value = RealApiServer.class, restrictToAnnotatedClass = true)
class AgentLivenessTest {

    static final Duration GRACE = Duration.ofSeconds(5);

    public static class ShortGrace implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("backlog.operator.agent-grace", GRACE.toSeconds() + "s");
        }
    }

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

    /** A node whose agent has renewed its Lease (at this instant by its own clock) and reported nothing saturated. */
    private void quietNode(String node, Instant renewed) {
        cluster.node(node);
        cluster.lease(node, renewed);
        cluster.report(node, "2026-11-21T10:00:00Z", List.of(), List.of());
    }

    @Test
    void agentsWhoseClocksAreTenMinutesOffAreAliveWhileTheyRenewAndSilentWhenTheyStop() throws Exception {
        Duration skew = Duration.ofMinutes(10);
        quietNode("skew-ahead", Instant.now().plus(skew));
        quietNode("skew-behind", Instant.now().minus(skew));
        // Each agent renews every second by its own clock, one ten minutes ahead, one ten minutes behind.
        long start = System.nanoTime();
        long lastAhead = 0;
        while (System.nanoTime() - start < GRACE.multipliedBy(2).toNanos()) {
            cluster.lease("skew-ahead", Instant.now().plus(skew));
            lastAhead = System.nanoTime();
            cluster.lease("skew-behind", Instant.now().minus(skew));
            Thread.sleep(1000);
            for (String node : List.of("skew-ahead", "skew-behind")) {
                var c = cluster.pressure(node);
                assertThat(c == null ? null : c.getStatus()).as("%s after %d s", node, (System.nanoTime() - start) / 1_000_000_000)
                        .isIn(null, "False");
            }
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(cluster.pressure("skew-ahead").getStatus()).isEqualTo("False");
            assertThat(cluster.pressure("skew-behind").getStatus()).isEqualTo("False");
        });
        assertThat(cluster.events("default", "skew-behind", "BacklogAgentNotReporting")).as("never judged silent").isEmpty();

        // The agent ahead stops renewing: silent once the grace has passed since its last renewal arrived,
        // although its Lease says it renewed ten minutes from now.
        long silent = lastAhead;
        String ahead;
        do {
            cluster.lease("skew-behind", Instant.now().minus(skew));
            Thread.sleep(1000);
            ahead = cluster.pressure("skew-ahead").getStatus();
        } while (!"Unknown".equals(ahead) && System.nanoTime() - silent < GRACE.multipliedBy(3).toNanos());
        assertThat(ahead).isEqualTo("Unknown");
        assertThat(Duration.ofNanos(System.nanoTime() - silent)).as("from its last renewal").isBetween(GRACE, GRACE.plusSeconds(5));
        assertThat(cluster.pressure("skew-behind").getStatus()).as("the other renews still").isEqualTo("False");
        assertThat(cluster.pressure("skew-ahead").getMessage()).contains("by its own clock").contains("grace 5s");
    }

    @Test
    void anAgentThatFallsSilentIsNoticedWhenItsGraceRunsOutWithoutAnyRenewalWakingTheNode() {
        quietNode("silent", Instant.now());
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(cluster.pressure("silent")).isNotNull()
                .satisfies(c -> assertThat(c.getStatus()).isEqualTo("False")));
        // No renewal and no report write: only the grace running out can wake the node now.
        long silentAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> assertThat(cluster.pressure("silent").getStatus()).isEqualTo("Unknown"));
        assertThat(Duration.ofNanos(System.nanoTime() - silentAt)).as("within a second or two of the grace").isLessThan(GRACE.plusSeconds(5));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(cluster.events("default", "silent", "BacklogAgentNotReporting")).hasSize(1));
    }

    @Test
    void aReportThatArrivesBeforeItsLeaseIsUnknownUntilTheLeaseAppears() {
        cluster.node("late-lease");
        cluster.report("late-lease", "2026-11-21T10:00:00Z", List.of(), List.of());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(cluster.pressure("late-lease")).isNotNull()
                .satisfies(c -> assertThat(c.getStatus()).isEqualTo("Unknown")));
        cluster.lease("late-lease", Instant.now());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(cluster.pressure("late-lease").getStatus()).isEqualTo("False"));
    }

    @Test
    void aLeaseFirstSeenLongSilentIsSilentAtOnceWhateverTheClocks() {
        quietNode("ancient", Instant.now().minus(Duration.ofHours(1)));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(cluster.pressure("ancient")).isNotNull()
                .satisfies(c -> assertThat(c.getStatus()).isEqualTo("Unknown")));
    }
}
