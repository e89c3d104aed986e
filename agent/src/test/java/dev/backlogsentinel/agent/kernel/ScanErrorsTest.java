package dev.backlogsentinel.agent.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

class ScanErrorsTest {

    @TempDir
    Path dir;

    @Test
    void eachErrorKeepsWhereItHappenedAndTheOldCallsStillCount() {
        ScanErrors errors = new ScanErrors();
        errors.add(ScanErrors.Kind.READ, "cannot list /proc: EIO");
        errors.add(ScanErrors.Kind.MALFORMED, 3, "/proc/42/net/tcp: line 2: a sign in inode (unsigned): ...");
        errors.add(ScanErrors.Kind.MALFORMED, ScanErrors.Where.netns(4026532177L, 77L).withFile("/proc/43/net/netstat"), "no TcpExt section");
        assertThat(errors.count(ScanErrors.Kind.MALFORMED)).isEqualTo(4);
        assertThat(errors.firstMessages().get(ScanErrors.Kind.MALFORMED)).startsWith("/proc/42/net/tcp: line 2");
        assertThat(errors.details()).containsExactly(
                new ScanErrors.Detail(ScanErrors.Kind.READ, null, null, null, 1, "cannot list /proc: EIO"),
                new ScanErrors.Detail(ScanErrors.Kind.MALFORMED, "/proc/42/net/tcp", null, null, 3, "line 2: a sign in inode (unsigned): ..."),
                new ScanErrors.Detail(ScanErrors.Kind.MALFORMED, "/proc/43/net/netstat", 4026532177L, 77L, 1, "no TcpExt section"));
    }

    @Test
    void theListIsBoundedAndChurnCannotCrowdOutTheRest() {
        ScanErrors errors = new ScanErrors();
        for (int i = 0; i < 50; i++) {
            errors.add(ScanErrors.Kind.VANISHED, "pid " + i + " exited");
        }
        for (int i = 0; i < 50; i++) {
            errors.add(ScanErrors.Kind.MALFORMED, "/proc/" + i + "/net/tcp: line 2: x");
        }
        assertThat(errors.details()).hasSize(ScanErrors.MAX_DETAILS);
        assertThat(errors.details()).filteredOn(d -> d.kind() == ScanErrors.Kind.VANISHED).hasSize(5);
        assertThat(errors.detailsLeftOut()).isEqualTo(100 - ScanErrors.MAX_DETAILS);
        assertThat(errors.total()).isEqualTo(100);
    }

    @Test
    void aLinkLoopOrAFileTheKernelDoesNotMakeIsMalformedNeverVanished() throws Exception {
        Path loop = dir.resolve("a");
        Files.createSymbolicLink(loop, dir.resolve("b"));
        Files.createSymbolicLink(dir.resolve("b"), loop);
        Throwable stat = catchThrowable(() -> ProcInodes.of(loop));
        assertThat(stat).isInstanceOf(FileSystemException.class);
        assertThat(ScanErrors.kindOf(stat, ScanErrors.Kind.READ)).isEqualTo(ScanErrors.Kind.MALFORMED);
        ReaderException wrapped = new ReaderException("opening x", false, new FileSystemLoopException(loop.toString()));
        assertThat(ScanErrors.kindOf(wrapped, ScanErrors.Kind.VANISHED)).isEqualTo(ScanErrors.Kind.MALFORMED);
        assertThat(ScanErrors.fileOf(wrapped)).isEqualTo(loop.toString());
        assertThat(ScanErrors.kindOf(new ScanErrors.NotAProcFile("/x", "is a FIFO"), ScanErrors.Kind.READ)).isEqualTo(ScanErrors.Kind.MALFORMED);
        assertThat(ScanErrors.kindOf(new NoSuchFileException("/x"), ScanErrors.Kind.READ)).isEqualTo(ScanErrors.Kind.VANISHED);
        assertThat(ScanErrors.kindOf(new AccessDeniedException("/x"), ScanErrors.Kind.READ)).isEqualTo(ScanErrors.Kind.PERMISSION);
        assertThat(ScanErrors.kindOf(new IOException("EIO"), ScanErrors.Kind.VANISHED)).isEqualTo(ScanErrors.Kind.READ);
        assertThat(ScanErrors.kindOf(new ReaderException("pid 4 exited"), ScanErrors.Kind.VANISHED)).isEqualTo(ScanErrors.Kind.VANISHED);
    }

    @Test
    void aReadersProblemsAreCountedEachAtItsFileTheCutOneAsOversized() {
        ScanErrors errors = new ScanErrors();
        errors.note(new NetnsSource.Reading<>(java.util.List.of(), java.util.List.of(
                NetnsSource.Problem.malformed("/p/1/net/tcp6", 3, "line 3: x"),
                NetnsSource.Problem.cutAtCap("/p/1/net/tcp"),
                NetnsSource.Problem.malformed(null, 2, "short inet_diag message"))));
        assertThat(errors.count(ScanErrors.Kind.MALFORMED)).isEqualTo(5);
        assertThat(errors.count(ScanErrors.Kind.OVERSIZED)).isEqualTo(1);
        assertThat(errors.details()).containsExactly(
                new ScanErrors.Detail(ScanErrors.Kind.MALFORMED, "/p/1/net/tcp6", null, null, 3, "line 3: x"),
                new ScanErrors.Detail(ScanErrors.Kind.OVERSIZED, "/p/1/net/tcp", null, null, 1, ScanErrors.CUT_AT_CAP),
                new ScanErrors.Detail(ScanErrors.Kind.MALFORMED, null, null, null, 2, "short inet_diag message"));
    }
}
