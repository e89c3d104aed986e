package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.ProcfsLines;
import dev.backlogsentinel.agent.kernel.NetnsSource;
import dev.backlogsentinel.agent.kernel.ReaderChoice;
import dev.backlogsentinel.agent.kernel.ReaderKind;
import dev.backlogsentinel.agent.kernel.ScanErrors;
import dev.backlogsentinel.agent.procfs.CountersFiles;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Which reader opens a namespace, how auto falls back, and how each failure is counted. */
class NetnsSourcesTest {

    @TempDir
    Path dir;
    FakeProcRoot proc;

    @BeforeEach
    void layOut() throws Exception {
        proc = new FakeProcRoot(dir).process(100, 65, ProcfsLines.LISTEN_8080);
    }

    private NetnsSources sources(ReaderChoice choice, boolean netlinkRefusesForPermission) {
        return new NetnsSources(choice, choice == ReaderChoice.PROCFS ? null : FakeProcRoot.refusingNetlink(netlinkRefusesForPermission),
                proc.procfs(), dir, 1 << 20);
    }

    @Test
    void autoFallsBackToProcfsOnAMissingCapabilityWithANoteAndNoError() throws Exception {
        try (NetnsSources sources = sources(ReaderChoice.AUTO, true)) {
            ScanErrors errors = new ScanErrors();
            try (NetnsSource source = sources.open(proc.netns(1, 100), errors)) {
                assertThat(source.kind()).isEqualTo(ReaderKind.PROCFS);
                assertThat(source.listeners().value()).singleElement().satisfies(l -> assertThat(l.depth()).isEqualTo(17));
            }
            assertThat(errors.total()).as("a missing capability is expected, not a fault").isZero();
            assertThat(sources.note()).contains("not permitted").contains("CAP_SYS_ADMIN");
            assertThat(sources.label(false, true)).isEqualTo("procfs");
        }
    }

    @Test
    void autoCountsANetlinkFaultAndStillReadsThroughProcfs() throws Exception {
        try (NetnsSources sources = sources(ReaderChoice.AUTO, false)) {
            ScanErrors errors = new ScanErrors();
            try (NetnsSource source = sources.open(proc.netns(1, 100), errors)) {
                assertThat(source.kind()).isEqualTo(ReaderKind.PROCFS);
            }
            assertThat(errors.count(ScanErrors.Kind.READ)).isEqualTo(1);
            assertThat(errors.details()).singleElement().satisfies(d -> assertThat(d.netns()).isEqualTo(4026530001L));
            assertThat(sources.note()).isNull();
        }
    }

    @Test
    void netlinkOnlyNeverFallsBack() {
        try (NetnsSources sources = sources(ReaderChoice.NETLINK, true)) {
            ScanErrors errors = new ScanErrors();
            assertThat(sources.open(proc.netns(1, 100), errors)).isNull();
            assertThat(errors.count(ScanErrors.Kind.PERMISSION)).isEqualTo(1);
            assertThat(sources.label(false, false)).as("what was asked for, even with nothing open").isEqualTo("netlink");
        }
    }

    @Test
    void aNamespaceWhoseProcessesAllExitedIsCountedAsVanished() {
        try (NetnsSources sources = sources(ReaderChoice.PROCFS, false)) {
            ScanErrors errors = new ScanErrors();
            assertThat(sources.open(proc.netns(2, 999), errors)).isNull();
            assertThat(errors.count(ScanErrors.Kind.VANISHED)).isEqualTo(1);
        }
    }

    @Test
    void countersOpenThroughTheFirstProcessThatShowsThemAndAMissingFileIsMissing() throws Exception {
        new FakeProcRoot(dir).process(200, 7);
        Files.delete(dir.resolve("200/net/netstat"));
        try (NetnsSources sources = sources(ReaderChoice.PROCFS, false)) {
            ScanErrors errors = new ScanErrors();
            try (CountersFiles counters = sources.openCounters(proc.netns(1, 999, 100), errors)) {
                assertThat(counters.read().value().listenOverflows()).isEqualTo(65);
            }
            assertThat(errors.count(ScanErrors.Kind.VANISHED)).as("pid 999 is gone").isEqualTo(1);

            ScanErrors missing = new ScanErrors();
            assertThat(sources.openCounters(proc.netns(2, 200), missing)).isNull();
            assertThat(missing.count(ScanErrors.Kind.MISSING)).as("the process is there, its netstat is not").isEqualTo(1);
            assertThat(missing.details()).singleElement().satisfies(d -> assertThat(d.file()).endsWith("200/net/netstat"));
        }
    }

    @Test
    void theReaderLabelSaysWhenBothAreInUse() {
        try (NetnsSources sources = sources(ReaderChoice.AUTO, true)) {
            assertThat(sources.label(true, true)).isEqualTo("netlink+procfs");
            assertThat(sources.label(true, false)).isEqualTo("netlink");
        }
    }
}
