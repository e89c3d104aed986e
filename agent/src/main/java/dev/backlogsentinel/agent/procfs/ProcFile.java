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
    /**
     * One read buffer per reading thread, shared by every file: a node keeps hundreds of these files
     * open (two per namespace), and a buffer each would hold 64 KiB apiece for a few KiB of text.
     */
    private static final ThreadLocal<ByteBuffer> SCRATCH = ThreadLocal.withInitial(() -> ByteBuffer.allocate(CHUNK));

    private final Path path;
    private final FileChannel channel;
    private final long maxBytes;

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
        ByteBuffer buffer = SCRATCH.get();
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

    /**
     * Reads the whole file (up to the cap) as text, in one decoding: the counters file is read for
     * every namespace on every scan. Reads are positional, and a read that does not fill the buffer
     * is the end: the kernel hands a seq_file over whole when the buffer holds it, so a netstat
     * costs one system call (no seek, no read that returns 0).
     */
    public synchronized String readAll() throws IOException {
        ByteBuffer buffer = SCRATCH.get();
        buffer.clear();
        StringBuilder spilled = null;
        long total = 0;
        while (total < maxBytes) {
            int n = channel.read(buffer, total);
            if (n <= 0) {
                break;
            }
            total += n;
            if (buffer.hasRemaining()) {
                break;
            }
            spilled = spilled == null ? new StringBuilder(2 * CHUNK) : spilled;
            spilled.append(new String(buffer.array(), 0, buffer.position(), StandardCharsets.ISO_8859_1));
            buffer.clear();
        }
        String tail = new String(buffer.array(), 0, buffer.position(), StandardCharsets.ISO_8859_1);
        return spilled == null ? tail : spilled.append(tail).toString();
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
