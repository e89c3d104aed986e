package dev.backlogsentinel.agent.cluster;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class HeartbeatTest {

    static final Instant START = Instant.parse("2026-12-06T10:00:00Z");
    static final Heartbeat BEAT = new Heartbeat(START, Duration.ofSeconds(30));

    @Test
    void aStallIsTenScansAndNeverLessThanARenewal() {
        assertThat(Heartbeat.stallFor(Duration.ofSeconds(2), Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(30));
        assertThat(Heartbeat.stallFor(Duration.ofSeconds(5), Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(50));
    }

    @Test
    void anAgentJustStartedRenewsBeforeItsFirstScanAndSync() {
        assertThat(BEAT.withheldBecause(START, null, false, null)).isNull();
        assertThat(BEAT.withheldBecause(START.plusSeconds(30), null, false, null)).isNull();
    }

    @Test
    void itRenewsWhileScansCompleteAndReportsGetWritten() {
        Instant now = START.plusSeconds(600);
        assertThat(BEAT.withheldBecause(now, now.minusSeconds(2), true, null)).isNull();
        assertThat(BEAT.withheldBecause(now, now.minusSeconds(30), true, now.minusSeconds(30))).as("at the limit").isNull();
    }

    @Test
    void aStuckScanLoopWithholdsIt() {
        Instant now = START.plusSeconds(600);
        assertThat(BEAT.withheldBecause(now, now.minusSeconds(31), true, null)).contains("no scan has completed since");
        assertThat(BEAT.withheldBecause(START.plusSeconds(31), null, false, null)).contains("no scan has completed since the agent started");
    }

    @Test
    void informersThatNeverSyncWithholdIt() {
        Instant now = START.plusSeconds(31);
        assertThat(BEAT.withheldBecause(now, now, false, null)).contains("have not come back from the API server");
    }

    @Test
    void reportWritesRefusedForAStallWithholdIt() {
        Instant now = START.plusSeconds(600);
        assertThat(BEAT.withheldBecause(now, now, true, now.minusSeconds(31))).contains("has refused the node's report since");
    }
}
