package dev.backlogsentinel.agent.procfs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

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
