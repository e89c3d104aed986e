package dev.backlogsentinel.agent.procfs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.backlogsentinel.agent.kernel.ScanErrors;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class ProcFileTest {

    @TempDir
    Path dir;

    @Test
    void readsLinesAcrossChunksAndKeepsALastLineWithoutNewline() throws Exception {
        Path f = dir.resolve("tcp");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            sb.append("line ").append(i).append(" ").append("x".repeat(30)).append('\n');
        }
        sb.append("truncated-last");
        Files.writeString(f, sb);
        List<String> lines = new ArrayList<>();
        try (ProcFile file = ProcFile.open(f, Long.MAX_VALUE)) {
            file.forEachLine(lines::add);
            assertThat(lines).hasSize(5001);
            assertThat(lines.get(4321)).startsWith("line 4321 ");
            assertThat(lines.getLast()).isEqualTo("truncated-last");
            // Read again from the start, as every scan does with a held file.
            lines.clear();
            file.forEachLine(lines::add);
            assertThat(lines).hasSize(5001);
        }
    }

    @Test
    void stopsAtTheSizeCapAndSaysSo() throws Exception {
        Path f = dir.resolve("huge");
        Files.write(f, ("y".repeat(99) + "\n").repeat(100_000).getBytes());
        List<String> lines = new ArrayList<>();
        try (ProcFile file = ProcFile.open(f, 256 * 1024)) {
            ProcFile.ReadResult result = file.forEachLine(lines::add);
            assertThat(result.cutAtCap()).isTrue();
            assertThat(result.bytes()).isLessThan(10_000_000);
            assertThat(lines).isNotEmpty().allMatch(l -> l.length() == 99);
        }
    }

    @Test
    void whatIsNotARegularFileIsRefusedWithoutBlocking() throws Exception {
        Path fifo = dir.resolve("fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        Path zero = Files.createSymbolicLink(dir.resolve("zero"), Path.of("/dev/zero"));
        Path sub = Files.createDirectories(dir.resolve("sub"));
        Path loop = dir.resolve("loop");
        Files.createSymbolicLink(loop, dir.resolve("loop2"));
        Files.createSymbolicLink(dir.resolve("loop2"), loop);
        Path socket = dir.resolve("sock");
        try (var s = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            s.bind(java.net.UnixDomainSocketAddress.of(socket));
        }
        Map<Path, String> expected = Map.of(fifo, "a FIFO", zero, "a character device", sub, "a directory", loop, "symbolic link loop",
                socket, "a socket");
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            for (Map.Entry<Path, String> e : expected.entrySet()) {
                try (ProcFile f = ProcFile.open(e.getKey(), 1 << 20)) {
                    assertThat(f.refusal()).as(e.getKey().toString()).contains(e.getValue());
                    List<String> lines = new ArrayList<>();
                    assertThat(f.forEachLine(lines::add).bytes()).isZero();
                    assertThat(lines).isEmpty();
                    assertThat(f.readAll()).isEmpty();
                }
                assertThatThrownBy(() -> ProcFile.readText(e.getKey(), 1 << 20)).as(e.getKey().toString())
                        .isInstanceOfAny(ScanErrors.NotAProcFile.class, java.nio.file.FileSystemLoopException.class);
            }
            assertThatThrownBy(() -> ProcFile.open(dir.resolve("gone"), 10)).isInstanceOf(java.nio.file.NoSuchFileException.class);

        });
    }

    @Test
    void aFileExactlyTheCapIsNotCutAndOneByteMoreIs() throws Exception {
        Path f = Files.writeString(dir.resolve("exact"), "0123456789");
        assertThat(ProcFile.readText(f, 10)).isEqualTo(new ProcFile.Text("0123456789", false));
        assertThat(ProcFile.readText(f, 9)).isEqualTo(new ProcFile.Text("012345678", true));
        try (ProcFile file = ProcFile.open(f, 10)) {
            assertThat(file.forEachLine(l -> true).cutAtCap()).isFalse();
        }
    }

    @Test
    void aVeryLongLineIsHandedOverCutNotHeldWhole() throws Exception {
        Path f = Files.writeString(dir.resolve("long"), "x".repeat(3 << 20) + "\nok\n");
        List<String> lines = new ArrayList<>();
        try (ProcFile file = ProcFile.open(f, 64L << 20)) {
            file.forEachLine(lines::add);
        }
        assertThat(lines).hasSize(2);
        assertThat(lines.getFirst()).hasSize(ProcFile.MAX_LINE + 1);
        assertThat(lines.get(1)).isEqualTo("ok");
    }

    @Test
    void aConsumerThatStopsEndsTheRead() throws Exception {
        Path f = dir.resolve("t");
        Files.writeString(f, "a\nb\nc\n");
        List<String> lines = new ArrayList<>();
        try (ProcFile file = ProcFile.open(f, 1024)) {
            file.forEachLine(l -> lines.add(l) && !l.equals("b"));
        }
        assertThat(lines).containsExactly("a", "b");
    }
}
