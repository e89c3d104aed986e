package dev.backlogsentinel.agent.metrics;

import dev.backlogsentinel.agent.NetnsFixture;
import dev.backlogsentinel.agent.RootRequired;
import dev.backlogsentinel.agent.kernel.Family;
import dev.backlogsentinel.agent.scan.NodeScanner;
import dev.backlogsentinel.agent.scan.NodeScannerFactory;
import dev.backlogsentinel.agent.kernel.ReaderChoice;
import dev.backlogsentinel.testing.ChartMetricNames;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The agent's metrics that the chart's alerts, dashboard and promtool tests use are those the agent
 * really exposes: its /q/metrics after a real scan of a real, filled listen queue (listener series
 * exist only while a listener does). A renamed metric fails here.
 */
@QuarkusTest
@RootRequired
class ChartMetricNamesTest {

    @Inject
    NodeScannerFactory factory;

    @Inject
    ScanMetrics metrics;

    /** The agent's names: backlog_ but not the operator's, and the JVM's and process's (the dashboard uses them for the agent). */
    static boolean agents(String name) {
        return name.startsWith("backlog_") && !name.startsWith("backlog_operator_") || name.startsWith("jvm_") || name.startsWith("process_");
    }

    static String scrape() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    @Test
    void everyAgentMetricTheChartUsesIsInTheScrapeAndTheTestSeriesAreLabelledAsTheAgentLabelsThem() throws Exception {
        AtomicReference<String> body = new AtomicReference<>();
        try (NetnsFixture netns = NetnsFixture.create(); NodeScanner scanner = factory.create(ReaderChoice.NETLINK, Path.of("/proc"))) {
            netns.fill(Family.IPv4, 8080, 16, 30);
            String ns = "netns=\"" + netns.nsInode() + "\"";
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                metrics.record(scanner.scan());
                body.set(scrape());
                assertThat(body.get().lines().filter(l -> l.startsWith("backlog_listen_queue_usage_ratio{") && l.contains(ns))).isNotEmpty();
            });
        }
        String scrape = body.get();

        Set<String> used = ChartMetricNames.usedByTheChart(ChartMetricNamesTest::agents);
        assertThat(used).as("what the extraction finds in the chart").contains("backlog_listen_queue_usage_ratio", "backlog_listen_queue_depth",
                "backlog_listen_queue_limit", "backlog_netns_listen_overflows_total", "backlog_report_write_failures_total",
                "backlog_lease_renewal_failures_total", "backlog_scan_duration_seconds_sum", "backlog_scan_duration_seconds_count",
                "backlog_last_scan_completed_timestamp_seconds",
                "process_cpu_time_ns_total", "jvm_memory_used_bytes");
        assertThat(ChartMetricNames.missing(used, scrape)).as("used by the chart, not in the agent's /q/metrics").isEmpty();

        var series = ChartMetricNames.promtoolInputSeries().stream().filter(s -> agents(s.name())).toList();
        assertThat(series).hasSizeGreaterThan(10);
        for (ChartMetricNames.InputSeries s : series) {
            assertThat(ChartMetricNames.samples(scrape, s.name())).as("a sample of the agent labelled as %s", s.text())
                    .anyMatch(sample -> sample.admits(s.applicationLabels()));
        }
    }

    @Test
    void aNameOrLabelTheAgentDoesNotExposeIsReportedMissing() throws Exception {
        try (NodeScanner scanner = factory.create(ReaderChoice.NETLINK, Path.of("/proc"))) {
            metrics.record(scanner.scan());
        }
        String scrape = scrape();
        String promql = "rate(backlog_made_up_total{job=\"x\"}[5m]) / backlog_scan_duration_seconds_total + on () backlog_report_write_failures"
                + " + backlog_namespaces_count + sum(backlog_scan_duration_seconds_count) + backlog_report_write_failures_total + exported_up";
        Set<String> names = ChartMetricNames.names(promql);
        assertThat(names).containsExactlyInAnyOrder("backlog_made_up_total", "backlog_scan_duration_seconds_total", "backlog_report_write_failures",
                "backlog_namespaces_count", "backlog_scan_duration_seconds_count", "backlog_report_write_failures_total");
        // Made up; a summary has no _total; a counter's series is x_total, never x; a gauge has no _count.
        assertThat(ChartMetricNames.missing(names, scrape)).containsExactlyInAnyOrder("backlog_made_up_total",
                "backlog_scan_duration_seconds_total", "backlog_report_write_failures", "backlog_namespaces_count");
        assertThat(ChartMetricNames.samples(scrape, "backlog_report_write_failures_total")).singleElement()
                .satisfies(s -> assertThat(s.admits(Set.of())).isTrue()).satisfies(s -> assertThat(s.admits(Set.of("kind"))).isFalse());
    }
}
