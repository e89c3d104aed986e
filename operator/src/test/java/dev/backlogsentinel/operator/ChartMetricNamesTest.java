package dev.backlogsentinel.operator;

import dev.backlogsentinel.testing.Cluster;
import dev.backlogsentinel.api.report.PolicyCount;
import dev.backlogsentinel.testing.ChartMetricNames;
import dev.backlogsentinel.testing.RealApiServer;
import dev.backlogsentinel.testing.TestApiServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The operator's metrics that the chart's alerts, dashboard and promtool tests use are those the
 * operator really exposes: its /q/metrics while it runs against a real API server and has
 * reconciled a saturated node. A renamed metric fails here.
 */
@QuarkusTest
@QuarkusTestResource(value = RealApiServer.class, restrictToAnnotatedClass = true)
class ChartMetricNamesTest {

    static boolean operators(String name) {
        return name.startsWith("backlog_operator_");
    }

    static String scrape() {
        return RestAssured.given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    @Test
    void everyOperatorMetricTheChartUsesIsInTheScrapeAndTheTestSeriesAreLabelledAsTheOperatorLabelsThem() throws Exception {
        AtomicReference<String> body = new AtomicReference<>();
        try (KubernetesClient admin = TestApiServer.shared().admin()) {
            Cluster cluster = new Cluster(admin);
            cluster.node("chart-metrics");
            String uid = cluster.pod("chart-metrics", "web-0");
            cluster.policy("chart-metrics", "web", spec -> { });
            cluster.lease("chart-metrics", Instant.now());
            cluster.report("chart-metrics", "2026-11-21T10:00:00Z", List.of(new PolicyCount("chart-metrics", "web", 1, 1, 0, 1)),
                    List.of(Cluster.saturated("web", "chart-metrics", "web-0", uid, 8080, 17, 16, "backlog", "2026-11-21T10:00:00Z", 5)));
            // Events written and a node patched: every counter the chart reads has a series now.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                body.set(scrape());
                assertThat(body.get()).contains("backlog_operator_events_written_total{reason=\"ListenQueueSaturated\"}")
                        .contains("backlog_operator_reconciles_total{controller=\"policy-status\"}");
            });
        }
        String scrape = body.get();

        Set<String> used = ChartMetricNames.usedByTheChart(ChartMetricNamesTest::operators);
        assertThat(used).as("what the extraction finds in the chart").contains("backlog_operator_reconcile_errors_total",
                "backlog_operator_reconciles_total", "backlog_operator_event_write_failures_total", "backlog_operator_node_patch_failures_total");
        assertThat(ChartMetricNames.missing(used, scrape)).as("used by the chart, not in the operator's /q/metrics").isEmpty();

        var series = ChartMetricNames.promtoolInputSeries().stream().filter(s -> operators(s.name())).toList();
        assertThat(series).isNotEmpty();
        for (ChartMetricNames.InputSeries s : series) {
            assertThat(ChartMetricNames.samples(scrape, s.name())).as("a sample of the operator labelled as %s", s.text())
                    .anyMatch(sample -> sample.admits(s.applicationLabels()));
        }
    }

    @Test
    void failureCountersExistBeforeAnyFailure() {
        String scrape = scrape();
        // Registered when the operator starts (a controller when it is registered), at 0: a counter
        // born at its first failure would hide that failure from rate() and the chart's alerts.
        for (String series : List.of("backlog_operator_reconcile_errors_total{controller=\"node-pressure\"}",
                "backlog_operator_reconcile_errors_total{controller=\"policy-status\"}", "backlog_operator_node_patch_failures_total",
                "backlog_operator_memory_write_failures_total")) {
            assertThat(scrape).containsPattern("(?m)^" + Pattern.quote(series) + " [0-9.eE+]+$");
        }
    }

    @Test
    void aNameTheOperatorDoesNotExposeIsReportedMissing() {
        String scrape = scrape();
        Set<String> names = ChartMetricNames.names("sum by (controller) (rate(backlog_operator_reconcile_failures_total{job=~\"$operator_job\"}[5m]))"
                + " + backlog_operator_node_patches + backlog_operator_node_patches_total");
        assertThat(names).containsExactlyInAnyOrder("backlog_operator_reconcile_failures_total", "backlog_operator_node_patches",
                "backlog_operator_node_patches_total");
        assertThat(ChartMetricNames.missing(names, scrape)).containsExactlyInAnyOrder("backlog_operator_reconcile_failures_total",
                "backlog_operator_node_patches");
    }
}
