package dev.backlogsentinel.agent.procfs;

import dev.backlogsentinel.agent.kernel.Libc;
import dev.backlogsentinel.agent.kernel.ScanErrors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A procfs file kept open across scans and re-read from the start each time. Keeping
 * /proc/&lt;pid&gt;/net/* open pins its network namespace (the kernel takes a reference at open),
 * so the reading stays with that namespace even after the process that led to it is gone.
 *
 * <p>Every procfs file the agent reads is opened here, and nothing here can block or exhaust
 * memory: a file is opened with O_NONBLOCK and kept only when what was opened is a regular file
 * (procfs files are regular files of size 0); a FIFO (whose open() would wait for a writer
 * forever), a socket, a device such as /dev/zero (endless), a directory, a symbolic link loop is
 * refused with {@link ScanErrors.NotAProcFile} or {@link FileSystemLoopException}. Every read stops
 * at the size cap and says so, and no line is held longer than {@link #MAX_LINE}.
 */
public final class ProcFile implements AutoCloseable {

    /** Receives one line at a time; returns false to stop reading (the rest is never produced by the kernel). */
    @FunctionalInterface
    public interface LineConsumer {
        boolean accept(String line);

        /**
         * The last line, when the file does not end with a newline. The kernel ends every line with
         * one, so such a line may be cut short; by default it is handed over as any other.
         */
        default void unterminated(String line) {
            accept(line);
        }
    }

    /** How a read ended: bytes read, and whether the size cap cut it short. */
    public record ReadResult(long bytes, boolean cutAtCap) {
    }

    /** A whole read: the text (up to the cap), and whether the file went on past the cap. */
    public record Text(String text, boolean cutAtCap) {
    }

    /**
     * Longest line handed over whole. Longer ones (no line procfs prints for the agent comes near:
     * a tcp line is at most 180 characters) are handed over cut to MAX_LINE + 1 characters, so
     * that their reader refuses them, instead of being held whole in memory.
     */
    public static final int MAX_LINE = 4096;

    private static final int CHUNK = 64 * 1024;
    /**
     * One read buffer per reading thread, shared by every file: a node keeps hundreds of these files
     * open (two per namespace), and a buffer each would hold 64 KiB apiece for a few KiB of text.
     */
    private static final ThreadLocal<ByteBuffer> SCRATCH = ThreadLocal.withInitial(() -> ByteBuffer.allocate(CHUNK));

    // open(2) flags and errno values (the same on x86-64 and arm64).
    private static final int O_NONBLOCK = 0x800;
    private static final int O_NOCTTY = 0x100;
    private static final int EPERM = 1;
    private static final int ENOENT = 2;
    private static final int ESRCH = 3;
    private static final int EINTR = 4;
    private static final int ENXIO = 6;
    private static final int EACCES = 13;
    private static final int ENODEV = 19;
    private static final int ENOTDIR = 20;
    private static final int ELOOP = 40;
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;

    private final Path path;
    private final FileChannel channel;
    private final long maxBytes;
    private final String refusal;

    private ProcFile(Path path, FileChannel channel, long maxBytes, String refusal) {
        this.path = path;
        this.channel = channel;
        this.maxBytes = maxBytes;
        this.refusal = refusal;
    }

    /**
     * Opens a procfs file to keep. A path that is not a file the kernel makes (a FIFO, socket,
     * device or directory, a path through a non-directory, a symbolic link loop) is not opened: the
     * file returned is refused ({@link #refusal()} says why), reads nothing, and its reader counts
     * it as malformed on every read, so that the namespace's other files are still read.
     *
     * @throws NoSuchFileException   it is not there (the process exited, or the kernel has no such file)
     * @throws AccessDeniedException not allowed
     */
    public static ProcFile open(Path path, long maxBytes) throws IOException {
        try {
            return new ProcFile(path, openRegular(path), maxBytes, null);
        } catch (ScanErrors.NotAProcFile e) {
            return new ProcFile(path, null, maxBytes, e.getReason());
        } catch (FileSystemLoopException e) {
            return new ProcFile(path, null, maxBytes, "a symbolic link loop: refused, it is not what the kernel makes there");
        }
    }

    /**
     * Reads a small procfs file once (e.g. /proc/&lt;pid&gt;/cgroup), up to {@code maxBytes}, opened
     * as {@link #open} opens files.
     *
     * @throws ScanErrors.NotAProcFile it is a FIFO, socket, device or directory, or a path component is not a directory
     * @throws FileSystemLoopException a symbolic link loop
     */
    public static Text readText(Path path, long maxBytes) throws IOException {
        try (ProcFile file = new ProcFile(path, openRegular(path), maxBytes, null)) {
            return file.readText();
        }
    }

    /** Why the file was refused at open (not a file the kernel makes there), or null when it is open. */
    public String refusal() {
        return refusal;
    }

    /**
     * Opens a file without blocking and only when it is a regular file. The type is checked first
     * by path (nothing special is even opened), then on what open() returned, with O_NONBLOCK so
     * that a FIFO put there in between cannot block: the channel is then opened on that very file
     * through /proc/self/fd, so no swap after the check can slip anything else in. The one such
     * opening of the agent: procfs files, and an executable read for its ELF headers (GoBinary).
     */
    public static FileChannel openRegular(Path path) throws IOException {
        String name = path.toString();
        try {
            refuseUnlessRegular(name, (Integer) Files.getAttribute(path, "unix:mode"));
        } catch (NoSuchFileException | AccessDeniedException | ScanErrors.NotAProcFile e) {
            throw e;
        } catch (FileSystemException e) {
            // A loop or the like: open() below says exactly what it is.
        }
        int fd = openNonBlocking(name);
        try {
            Path opened = Path.of("/proc/self/fd/" + fd);
            refuseUnlessRegular(name, (Integer) Files.getAttribute(opened, "unix:mode"));
            return FileChannel.open(opened, StandardOpenOption.READ);
        } finally {
            Libc.close(fd);
        }
    }

    private static int openNonBlocking(String name) throws IOException {
        while (true) {
            try {
                return Libc.open(name, Libc.O_RDONLY | O_NONBLOCK | O_NOCTTY | Libc.O_CLOEXEC);
            } catch (Libc.SyscallException e) {
                switch (e.errno()) {
                    case EINTR -> {
                        continue;
                    }
                    case ENOENT, ESRCH -> throw new NoSuchFileException(name);
                    case EACCES, EPERM -> throw new AccessDeniedException(name);
                    case ELOOP -> throw new FileSystemLoopException(name);
                    case ENOTDIR -> throw new ScanErrors.NotAProcFile(name, "a component of the path is not a directory");
                    case ENXIO, ENODEV -> throw new ScanErrors.NotAProcFile(name, "not a regular file (a socket or a device)");
                    default -> throw new FileSystemException(name, null, Libc.strerror(e.errno()) + " (errno " + e.errno() + ")");
                }
            }
        }
    }

    private static void refuseUnlessRegular(String name, int mode) throws ScanErrors.NotAProcFile {
        int type = mode & S_IFMT;
        if (type == S_IFREG) {
            return;
        }
        String what = switch (type) {
            case 0010000 -> "a FIFO";
            case 0020000 -> "a character device";
            case 0040000 -> "a directory";
            case 0060000 -> "a block device";
            case 0140000 -> "a socket";
            default -> "not a file (mode " + Integer.toOctalString(mode) + ")";
        };
        throw new ScanErrors.NotAProcFile(name, "is " + what + ", not a regular file: refused, it is not what the kernel makes there");
    }

    public Path path() {
        return path;
    }

    /**
     * Reads from the start and hands over whole lines. A last line without its newline is handed
     * over too, through {@link LineConsumer#unterminated} (a truncated file must still yield what it
     * holds, and its reader decides whether a line that may be cut is believed). Stops at
     * {@code maxBytes}: a line the cap cuts is not handed over, and the result says the file was cut.
     */
    public synchronized ReadResult forEachLine(LineConsumer consumer) throws IOException {
        if (channel == null) {
            return new ReadResult(0, false);
        }
        ByteBuffer buffer = SCRATCH.get();
        channel.position(0);
        long total = 0;
        StringBuilder carry = new StringBuilder();
        while (true) {
            if (total >= maxBytes) {
                if (goesOn(buffer)) {
                    return new ReadResult(total, true);
                }
                break;
            }
            buffer.clear();
            buffer.limit((int) Math.min(buffer.capacity(), maxBytes - total));
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
                    line = new String(bytes, start, Math.min(i - start, MAX_LINE + 1), StandardCharsets.ISO_8859_1);
                } else {
                    append(carry, bytes, start, i);
                    line = carry.toString();
                    carry.setLength(0);
                }
                start = i + 1;
                if (!consumer.accept(line)) {
                    return new ReadResult(total, false);
                }
            }
            append(carry, bytes, start, end);
        }
        if (!carry.isEmpty()) {
            consumer.unterminated(carry.toString());
        }
        return new ReadResult(total, false);
    }

    /** Appends bytes to a line being gathered, never past MAX_LINE + 1 characters. */
    private static void append(StringBuilder carry, byte[] bytes, int from, int to) {
        int room = MAX_LINE + 1 - carry.length();
        if (room > 0) {
            carry.append(new String(bytes, from, Math.min(to - from, room), StandardCharsets.ISO_8859_1));
        }
    }

    /** At the cap: whether one more byte follows (a file exactly the cap's size is not cut). */
    private boolean goesOn(ByteBuffer buffer) throws IOException {
        buffer.clear();
        buffer.limit(1);
        return channel.read(buffer) > 0;
    }

    /**
     * Reads the whole file (up to the cap) as text, in one decoding: the counters file is read for
     * every namespace on every scan. Reads are positional, and a read that does not fill the buffer
     * is the end: the kernel hands a seq_file over whole when the buffer holds it, so a netstat
     * costs one system call (no seek, no read that returns 0).
     */
    public String readAll() throws IOException {
        return readText().text();
    }

    /** As {@link #readAll()}, saying whether the file went on past the cap. */
    public synchronized Text readText() throws IOException {
        if (channel == null) {
            return new Text("", false);
        }
        ByteBuffer buffer = SCRATCH.get();
        buffer.clear();
        StringBuilder spilled = null;
        long total = 0;
        boolean cut = false;
        while (true) {
            if (total >= maxBytes) {
                ByteBuffer one = ByteBuffer.allocate(1);
                cut = channel.read(one, total) > 0;
                break;
            }
            int room = (int) Math.min(buffer.remaining(), maxBytes - total);
            ByteBuffer window = buffer.slice(buffer.position(), room);
            int n = channel.read(window, total);
            if (n <= 0) {
                break;
            }
            buffer.position(buffer.position() + n);
            total += n;
            if (n < room) {
                break;
            }
            if (!buffer.hasRemaining()) {
                spilled = spilled == null ? new StringBuilder(2 * CHUNK) : spilled;
                spilled.append(new String(buffer.array(), 0, buffer.position(), StandardCharsets.ISO_8859_1));
                buffer.clear();
            }
        }
        String tail = new String(buffer.array(), 0, buffer.position(), StandardCharsets.ISO_8859_1);
        return new Text(spilled == null ? tail : spilled.append(tail).toString(), cut);
    }

    @Override
    public void close() {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closing a read-only procfs file loses nothing.
        }
    }
}
