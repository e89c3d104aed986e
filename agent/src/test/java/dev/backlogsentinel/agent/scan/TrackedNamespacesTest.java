package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.ProcfsLines;
import dev.backlogsentinel.agent.kernel.ReaderChoice;
import dev.backlogsentinel.agent.kernel.ScanErrors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** A namespace is opened once, kept while it is found, and closed and forgotten when it is not. */
class TrackedNamespacesTest {

    @TempDir
    Path dir;

    @Test
    void aNamespaceIsOpenedOnceAndForgottenWhenNoProcessShowsIt() throws Exception {
        FakeProcRoot proc = new FakeProcRoot(dir).process(100, 1, ProcfsLines.LISTEN_8080).process(200, 2, ProcfsLines.LISTEN_80);
        try (NetnsSources sources = new NetnsSources(ReaderChoice.PROCFS, null, proc.procfs(), dir, 1 << 20);
                TrackedNamespaces tracked = new TrackedNamespaces(sources)) {
            ScanErrors errors = new ScanErrors();
            assertThat(tracked.isNew(1)).isTrue();
            TrackedNetns first = tracked.of(proc.netns(1, 100), errors);
            TrackedNetns second = tracked.of(proc.netns(2, 200), errors);
            assertThat(tracked.of(proc.netns(1, 100), errors)).as("the same state next scan").isSameAs(first);
            assertThat(tracked.isNew(1)).isFalse();
            assertThat(first.counters).as("counter files opened with the source").isNotNull();
            first.pids = java.util.List.of(100);
            second.pids = java.util.List.of(200, 201);
            assertThat(tracked.pids()).containsExactlyInAnyOrder(100, 200, 201);
            assertThat(tracked.readerLabel()).isEqualTo("procfs");

            tracked.keepOnly(Set.of(2L));
            assertThat(tracked.size()).isEqualTo(1);
            assertThat(tracked.isNew(1)).as("a namespace found again starts from nothing").isTrue();
            assertThat(tracked.of(proc.netns(1, 100), errors)).isNotSameAs(first);
            assertThat(errors.total()).isZero();
        }
    }

    @Test
    void aNamespaceThatCannotBeOpenedIsNotTracked() {
        FakeProcRoot proc = new FakeProcRoot(dir);
        try (NetnsSources sources = new NetnsSources(ReaderChoice.PROCFS, null, proc.procfs(), dir, 1 << 20);
                TrackedNamespaces tracked = new TrackedNamespaces(sources)) {
            ScanErrors errors = new ScanErrors();
            assertThat(tracked.of(proc.netns(3, 300), errors)).isNull();
            assertThat(tracked.isNew(3)).isTrue();
            assertThat(errors.count(ScanErrors.Kind.VANISHED)).isEqualTo(1);
        }
    }
}
