package dev.backlogsentinel.agent.metrics;

import dev.backlogsentinel.agent.NetnsFixture;
import dev.backlogsentinel.agent.RootRequired;
import dev.backlogsentinel.agent.kernel.Family;
import dev.backlogsentinel.agent.scan.NodeScanner;
import dev.backlogsentinel.agent.scan.NodeScannerFactory;
import dev.backlogsentinel.agent.kernel.ReaderChoice;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What Prometheus scrapes from /q/metrics after scans of a real, filled listen queue. */
@QuarkusTest
@RootRequired
class ScanMetricsTest {

    @Inject
    NodeScannerFactory factory;

    @Inject
    ScanMetrics metrics;

    @Inject
    Clock clock;

    static String scrape() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    static double value(String body, String name, String... labels) {
        for (String line : body.split("\n")) {
            if (!line.startsWith(name + "{")) {
                continue;
            }
            boolean all = true;
            for (String label : labels) {
                all &= line.contains(label);
            }
            if (all) {
                Matcher m = Pattern.compile("} ([0-9.E+-]+|NaN)$").matcher(line);
                assertThat(m.find()).as(line).isTrue();
                return Double.parseDouble(m.group(1));
            }
        }
        return Double.NaN;
    }

    /** The value of a series without labels, or NaN when it is not there. */
    static double unlabelled(String body, String name) {
        return body.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1)))
                .findFirst().orElse(Double.NaN);
    }

    @Test
    void listenerAndNamespaceSeriesFollowTheKernelAndLeaveWithTheListener() throws Exception {
        try (NetnsFixture netns = NetnsFixture.create(); NodeScanner scanner = factory.create(ReaderChoice.NETLINK, Path.of("/proc"))) {
            netns.fill(Family.IPv4, 8080, 16, 30);
            String ns = "netns=\"" + netns.nsInode() + "\"";
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                metrics.record(scanner.scan());
                String body = scrape();
                assertThat(value(body, "backlog_listen_queue_depth", ns, "port=\"8080\"", "family=\"IPv4\"")).isEqualTo(17.0);
                assertThat(value(body, "backlog_listen_queue_limit", ns, "port=\"8080\"")).isEqualTo(16.0);
                assertThat(value(body, "backlog_listen_queue_usage_ratio", ns, "port=\"8080\"")).isCloseTo(1.063, org.assertj.core.data.Offset.offset(0.001));
                assertThat(value(body, "backlog_netns_listen_overflows_total", ns)).isGreaterThanOrEqualTo(13);
                assertThat(value(body, "backlog_netns_somaxconn", ns)).isEqualTo(4096);
                assertThat(value(body, "backlog_reader_info", "reader=\"netlink\"")).isEqualTo(1.0);
                assertThat(body).contains("backlog_scan_duration_seconds_count").contains("backlog_listeners ")
                        .contains("backlog_scan_errors_total{kind=\"malformed\"}");
            });

            netns.closeSockets();
            double before = clock.millis() / 1000.0;
            metrics.record(scanner.scan());
            String body = scrape();
            assertThat(unlabelled(body, "backlog_last_scan_completed_timestamp_seconds")).as("the scan just recorded, by the app's clock")
                    .isBetween(before, clock.millis() / 1000.0);
            assertThat(value(body, "backlog_listen_queue_depth", ns, "port=\"8080\"")).as("series removed: %s",
                    body.lines().filter(l -> l.startsWith("backlog_listen_queue_depth")).toList()).isNaN();
            assertThat(value(body, "backlog_netns_listen_overflows_total", ns)).as("namespace still there").isGreaterThan(0);
        }
    }
}
