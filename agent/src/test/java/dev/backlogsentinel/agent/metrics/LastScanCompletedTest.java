package dev.backlogsentinel.agent.metrics;

import dev.backlogsentinel.agent.kernel.ScanErrors;
import dev.backlogsentinel.agent.scan.NodeScan;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * backlog_last_scan_completed_timestamp_seconds, as Prometheus scrapes it: the chart's
 * BacklogAgentScansStalled alert takes time() minus it, so it must move when a scan completes, by
 * the injected clock, and only then.
 */
class LastScanCompletedTest {

    static final String NAME = "backlog_last_scan_completed_timestamp_seconds";

    /** The sample of the series in a scrape, or null when there is none. */
    static Double sample(PrometheusMeterRegistry registry) {
        String scrape = registry.scrape();
        assertThat(scrape).as("declared as a gauge").containsPattern("(?m)^# TYPE " + NAME + " gauge$");
        return scrape.lines().filter(l -> l.startsWith(NAME + " ")).map(l -> Double.parseDouble(l.substring(NAME.length() + 1)))
                .findFirst().orElse(null);
    }

    static NodeScan scan(Instant at) {
        return new NodeScan(at, Duration.ofMillis(40), "netlink", null, List.of(), new ScanErrors());
    }

    @Test
    void zeroUntilTheFirstScanCompletesThenTheClocksTimeOfTheLastOne() {
        Instant start = Instant.parse("2026-12-01T20:27:32.250Z");
        TestClock clock = new TestClock(start);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ScanMetrics metrics = new ScanMetrics(registry, clock);
        assertThat(sample(registry)).as("there, at 0, before any scan").isEqualTo(0.0);

        clock.advance(Duration.ofSeconds(3));
        assertThat(sample(registry)).as("time passing completes no scan").isEqualTo(0.0);
        metrics.record(scan(clock.instant()));
        assertThat(sample(registry)).isEqualTo(start.plusSeconds(3).toEpochMilli() / 1000.0);

        clock.advance(Duration.ofSeconds(2));
        metrics.record(scan(clock.instant()));
        assertThat(sample(registry)).isEqualTo(start.plusSeconds(5).toEpochMilli() / 1000.0);

        // A stuck scan loop records nothing: the value stays, and Prometheus sees its age grow.
        clock.advance(Duration.ofMinutes(5));
        assertThat(sample(registry)).isEqualTo(start.plusSeconds(5).toEpochMilli() / 1000.0);
    }

    @Test
    void closingRemovesItSoANewBeanOnTheSameRegistryShowsItsOwnScans() {
        TestClock clock = new TestClock(Instant.parse("2026-12-01T20:27:32Z"));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ScanMetrics first = new ScanMetrics(registry, clock);
        first.record(scan(clock.instant()));
        first.close();

        clock.advance(Duration.ofMinutes(1));
        ScanMetrics second = new ScanMetrics(registry, clock);
        assertThat(sample(registry)).as("the new bean has completed no scan").isEqualTo(0.0);
        second.record(scan(clock.instant()));
        assertThat(sample(registry)).isEqualTo(Instant.parse("2026-12-01T20:28:32Z").getEpochSecond());
    }

    @Test
    void theTimeFromOneCompletedScanToTheNextIsAHistogramAroundTheDefaultInterval() {
        TestClock clock = new TestClock(Instant.parse("2026-12-01T20:27:32Z"));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ScanMetrics metrics = new ScanMetrics(registry, clock);
        metrics.record(scan(clock.instant()));
        // On time twice, then a starved one (4 s) and a very late one (12 s).
        for (long millis : new long[] {2000, 2050, 4000, 12000}) {
            clock.advance(Duration.ofMillis(millis));
            metrics.record(scan(clock.instant()));
        }
        String scrape = registry.scrape();
        assertThat(scrape).contains("backlog_scan_interval_seconds_count 4.0")
                .contains("backlog_scan_interval_seconds_bucket{le=\"2.1\",} 2.0")
                .contains("backlog_scan_interval_seconds_bucket{le=\"3.0\",} 2.0")
                .contains("backlog_scan_interval_seconds_bucket{le=\"5.0\",} 3.0")
                .contains("backlog_scan_interval_seconds_bucket{le=\"30.0\",} 4.0")
                .contains("backlog_scan_interval_seconds_max 12.0");
    }

    /** A clock the test moves by hand. */
    static final class TestClock extends Clock {

        private Instant now;

        TestClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
