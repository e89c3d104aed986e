package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.ProcfsLines;
import dev.backlogsentinel.agent.kernel.Endpoint;
import dev.backlogsentinel.agent.kernel.Family;
import dev.backlogsentinel.agent.kernel.ListenerSample;
import dev.backlogsentinel.agent.kernel.ReaderChoice;
import dev.backlogsentinel.agent.kernel.ScanErrors;
import dev.backlogsentinel.agent.procfs.CountersFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Counters read every scan while a queue holds, every fifth while idle, and deltas over the time between reads. */
class CounterDeltasTest {

    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    static final Endpoint E = new Endpoint(Family.IPv4, "0.0.0.0", 8080);
    static final List<ListenerSample> IDLE = List.of(new ListenerSample(E, 1, 0, 16, null));
    static final List<ListenerSample> QUEUED = List.of(new ListenerSample(E, 1, 3, 16, null));

    @TempDir
    Path dir;

    private TrackedNetns tracked(FakeProcRoot proc) throws Exception {
        NetnsSources sources = new NetnsSources(ReaderChoice.PROCFS, null, proc.procfs(), dir, 1 << 20);
        return new TrackedNetns(1, 4026530001L, sources.open(proc.netns(1, 100), new ScanErrors()),
                CountersFiles.open(dir.resolve("100"), 1 << 20));
    }

    @Test
    void anIdleNamespaceIsReadEveryFifthScanAndItsDeltaSpansTheGap() throws Exception {
        FakeProcRoot proc = new FakeProcRoot(dir).process(100, 10, ProcfsLines.LISTEN_80);
        CounterDeltas deltas = new CounterDeltas(ScanCadence.NODE_AGENT);
        try (TrackedNetns t = tracked(proc)) {
            ScanErrors errors = new ScanErrors();
            CounterDeltas.Counted first = deltas.read(t, IDLE, T0, errors);
            assertThat(first.counters().listenOverflows()).isEqualTo(10);
            assertThat(first.delta()).as("nothing to compare the first read with").isNull();

            proc.netstat(100, 25, 0);
            for (int s = 1; s < 5; s++) {
                CounterDeltas.Counted between = deltas.read(t, IDLE, T0.plusSeconds(2L * s), errors);
                assertThat(between.counters().listenOverflows()).as("shown as last read").isEqualTo(10);
                assertThat(between.delta()).isNull();
            }
            CounterDeltas.Counted fifth = deltas.read(t, IDLE, T0.plusSeconds(10), errors);
            assertThat(fifth.counters().listenOverflows()).isEqualTo(25);
            assertThat(fifth.delta().listenOverflows()).as("the burst between reads is in the next delta").isEqualTo(15);
            assertThat(fifth.over()).isEqualTo(Duration.ofSeconds(10));
            assertThat(errors.total()).isZero();
        }
    }

    @Test
    void aNamespaceWithAQueueIsReadEveryScan() throws Exception {
        FakeProcRoot proc = new FakeProcRoot(dir).process(100, 10, ProcfsLines.LISTEN_8080);
        CounterDeltas deltas = new CounterDeltas(ScanCadence.NODE_AGENT);
        try (TrackedNetns t = tracked(proc)) {
            ScanErrors errors = new ScanErrors();
            deltas.read(t, QUEUED, T0, errors);
            for (int s = 1; s <= 3; s++) {
                proc.netstat(100, 10 + 7L * s, s);
                CounterDeltas.Counted c = deltas.read(t, QUEUED, T0.plusSeconds(2L * s), errors);
                assertThat(c.delta().listenOverflows()).isEqualTo(7);
                assertThat(c.delta().reqQFullDrop()).isEqualTo(1);
                assertThat(c.delta().synQueueMoved()).isTrue();
                assertThat(c.over()).isEqualTo(Duration.ofSeconds(2));
            }
        }
    }

    @Test
    void withoutCounterFilesTheCountersAreUnknownNeverZero() throws Exception {
        FakeProcRoot proc = new FakeProcRoot(dir).process(100, 10, ProcfsLines.LISTEN_80);
        NetnsSources sources = new NetnsSources(ReaderChoice.PROCFS, null, proc.procfs(), dir, 1 << 20);
        try (TrackedNetns t = new TrackedNetns(1, null, sources.open(proc.netns(1, 100), new ScanErrors()), null)) {
            CounterDeltas.Counted c = new CounterDeltas(ScanCadence.COMMAND_LINE).read(t, IDLE, T0, new ScanErrors());
            assertThat(c.counters()).isNull();
            assertThat(c.delta()).isNull();
        }
    }

    @Test
    void aCounterFileThatTurnsMalformedIsCountedWithItsNamespace() throws Exception {
        FakeProcRoot proc = new FakeProcRoot(dir).process(100, 10, ProcfsLines.LISTEN_80);
        CounterDeltas deltas = new CounterDeltas(ScanCadence.COMMAND_LINE);
        try (TrackedNetns t = tracked(proc)) {
            ScanErrors errors = new ScanErrors();
            deltas.read(t, IDLE, T0, errors);
            Files.writeString(dir.resolve("100/net/netstat"), FakeProcRoot.NETSTAT_HEADER + "TcpExt: 0 -1 1 0 0\n");
            CounterDeltas.Counted c = deltas.read(t, IDLE, T0.plusSeconds(2), errors);
            assertThat(c.counters()).as("a negative counter is not believed").isNull();
            assertThat(c.delta()).isNull();
            assertThat(errors.count(ScanErrors.Kind.MALFORMED)).isPositive();
        }
    }
}
