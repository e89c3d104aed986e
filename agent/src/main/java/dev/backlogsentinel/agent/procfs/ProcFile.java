package dev.backlogsentinel.agent.procfs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A procfs file kept open across scans and re-read from the start each time. Keeping
 * /proc/&lt;pid&gt;/net/* open pins its network namespace (the kernel takes a reference at open),
 * so the reading stays with that namespace even after the process that led to it is gone.
 */
public final class ProcFile implements AutoCloseable {

    /** Receives one line at a time; returns false to stop reading (the rest is never produced by the kernel). */
    @FunctionalInterface
    public interface LineConsumer {
        boolean accept(String line);
    }

    /** How a read ended: bytes read, and whether the size cap cut it short. */
    public record ReadResult(long bytes, boolean cutAtCap) {
    }

    private static final int CHUNK = 64 * 1024;

    private final Path path;
    private final FileChannel channel;
    private final long maxBytes;
    private final ByteBuffer buffer = ByteBuffer.allocate(CHUNK);

    private ProcFile(Path path, FileChannel channel, long maxBytes) {
        this.path = path;
        this.channel = channel;
        this.maxBytes = maxBytes;
    }

    public static ProcFile open(Path path, long maxBytes) throws IOException {
        return new ProcFile(path, FileChannel.open(path, StandardOpenOption.READ), maxBytes);
    }

    public Path path() {
        return path;
    }

    /**
     * Reads from the start and hands over whole lines. A last line without its newline is handed
     * over too (a truncated file must still yield what it holds). Stops at {@code maxBytes}.
     */
    public synchronized ReadResult forEachLine(LineConsumer consumer) throws IOException {
        channel.position(0);
        buffer.clear();
        long total = 0;
        StringBuilder carry = new StringBuilder();
        while (true) {
            int n = channel.read(buffer);
            if (n <= 0) {
                break;
            }
            total += n;
            buffer.flip();
            byte[] bytes = buffer.array();
            int start = 0;
            int end = buffer.limit();
            for (int i = 0; i < end; i++) {
                if (bytes[i] != '\n') {
                    continue;
                }
                String line;
                if (carry.isEmpty()) {
                    line = new String(bytes, start, i - start, StandardCharsets.ISO_8859_1);
                } else {
                    carry.append(new String(bytes, start, i - start, StandardCharsets.ISO_8859_1));
                    line = carry.toString();
                    carry.setLength(0);
                }
                start = i + 1;
                if (!consumer.accept(line)) {
                    return new ReadResult(total, false);
                }
            }
            carry.append(new String(bytes, start, end - start, StandardCharsets.ISO_8859_1));
            buffer.clear();
            if (total >= maxBytes) {
                return new ReadResult(total, true);
            }
        }
        if (!carry.isEmpty()) {
            consumer.accept(carry.toString());
        }
        return new ReadResult(total, false);
    }

    /** Reads the whole file (up to the cap) as text. */
    public String readAll() throws IOException {
        StringBuilder sb = new StringBuilder();
        forEachLine(line -> {
            sb.append(line).append('\n');
            return true;
        });
        return sb.toString();
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closing a read-only procfs file loses nothing.
        }
    }
}
