package dev.backlogsentinel.testing;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.LocalTime;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The harness's own rules that need no server. What it installs on a real one is tested where the
 * chart is (charts' ChartInstallTest), so that no module waits on a server start before it builds.
 */
class TestApiServerTest {

    @Test
    void aStartWhoseReadinessDeadlineWouldPassMidnightWaitsForIt() {
        assertThat(TestApiServer.waitBeforeStart(LocalTime.NOON)).isZero();
        assertThat(TestApiServer.waitBeforeStart(LocalTime.of(23, 57, 59))).as("deadline 23:59:59, still today").isZero();
        assertThat(TestApiServer.waitBeforeStart(LocalTime.of(23, 59, 0))).as("to midnight, and a second")
                .isBetween(Duration.ofSeconds(60), Duration.ofSeconds(61));
        assertThat(TestApiServer.waitBeforeStart(LocalTime.of(23, 58, 1))).isGreaterThan(Duration.ofSeconds(119));
    }
}
