package dev.backlogsentinel.agent.kernel;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Errors met during one scan, counted by kind, each kind with its first message, and the first
 * {@value #MAX_DETAILS} of them with where they happened (the file, the namespace) as far as the
 * caller knows it. A scan that meets errors still completes with everything it could read.
 *
 * <p>Metrics use the counts by kind only (a bounded label set); the details are for people: the
 * local JSON's {@code errorDetails} and the table's {@code scan errors:} line.
 */
public final class ScanErrors {

    /** What went wrong, as a metric label. */
    public enum Kind {
        /** A process exited between being listed and being read: normal churn, counted apart. */
        VANISHED,
        /** Not allowed to read or enter something (capability, hidepid). */
        PERMISSION,
        /**
         * What is there is not what the kernel makes there: a procfs line, file or netlink message
         * that does not parse, and equally a FIFO, socket, device or directory where a procfs file
         * should be, or a symbolic link loop (the tree itself is malformed; the kernel never
         * makes any of these under /proc/&lt;pid&gt;).
         */
        MALFORMED,
        /** A procfs file larger than backlog.agent.max-proc-file-bytes: read up to the cap. */
        OVERSIZED,
        /** A file that should be there is not while its process is (e.g. a net/netstat the kernel does not provide). */
        MISSING,
        /** Any other read failure. */
        READ;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** How many errors of a scan keep their details. */
    public static final int MAX_DETAILS = 20;
    /**
     * Of those, how many may be vanished processes: they are normal churn on a busy node, and would
     * otherwise crowd out the errors that need a look.
     */
    static final int MAX_VANISHED_DETAILS = 5;

    /**
     * Where an error was met, each part null when not known.
     *
     * @param file  the file (or directory) that could not be read or understood
     * @param netns the namespace's ns/net inode (as lsns shows it)
     * @param key   the agent's key for the namespace (the inode of its /proc net/tcp entry), for a
     *              namespace whose ns/net inode is not known
     */
    public record Where(String file, Long netns, Long key) {

        public static final Where UNKNOWN = new Where(null, null, null);

        public static Where file(Path file) {
            return file == null ? UNKNOWN : new Where(file.toString(), null, null);
        }

        public static Where file(String file) {
            return new Where(file, null, null);
        }

        public static Where netns(Long nsInode, long key) {
            return new Where(null, nsInode, key);
        }

        public Where withFile(Path file) {
            return file == null ? this : new Where(file.toString(), netns, key);
        }

        public Where withFile(String file) {
            return file == null ? this : new Where(file, netns, key);
        }

        /** This, with the file named by an exception (or its causes) when this names none. */
        public Where withFileOf(Throwable e) {
            return file != null ? this : withFile(fileOf(e));
        }
    }

    /** What a reader says of a file cut at the size cap. */
    public static final String CUT_AT_CAP = "larger than backlog.agent.max-proc-file-bytes, read up to the cap";

    /**
     * One error (or several of one kind at one place, counted together) with where it happened.
     *
     * @param count   how many errors this stands for (e.g. malformed lines of one file)
     * @param message what was wrong; when the file was taken from the message, the rest of it
     */
    public record Detail(Kind kind, String file, Long netns, Long key, int count, String message) {
    }

    private final Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
    private final Map<Kind, String> firstMessages = new EnumMap<>(Kind.class);
    private final List<Detail> details = new ArrayList<>();
    private int vanishedDetails;
    private int leftOut;

    public void add(Kind kind, String message) {
        add(kind, 1, Where.UNKNOWN, message);
    }

    public void add(Kind kind, int n, String message) {
        add(kind, n, Where.UNKNOWN, message);
    }

    public void add(Kind kind, Where where, String message) {
        add(kind, 1, where, message);
    }

    /**
     * Counts {@code n} errors of one kind met at one place. When {@code where} names no file, the
     * file a message starts with ({@code "/path: what"}) is taken. The same error met again (a
     * file read twice in a scan) adds to its detail's count.
     */
    public void add(Kind kind, int n, Where where, String message) {
        if (n <= 0) {
            return;
        }
        counts.merge(kind, n, Integer::sum);
        firstMessages.putIfAbsent(kind, message);
        detail(kind, n, where == null ? Where.UNKNOWN : where, message);
    }

    private void detail(Kind kind, int n, Where where, String message) {
        Where w = where;
        String text = message;
        String named = pathPrefix(message);
        if (named != null && (w.file() == null || w.file().equals(named))) {
            w = w.withFile(named);
            text = message.substring(named.length() + 2);
        }
        for (int i = 0; i < details.size(); i++) {
            Detail d = details.get(i);
            if (d.kind() == kind && Objects.equals(d.file(), w.file()) && Objects.equals(d.netns(), w.netns())
                    && Objects.equals(d.key(), w.key()) && Objects.equals(d.message(), text)) {
                details.set(i, new Detail(kind, d.file(), d.netns(), d.key(), d.count() + n, text));
                return;
            }
        }
        boolean vanished = kind == Kind.VANISHED;
        if (details.size() >= MAX_DETAILS || (vanished && vanishedDetails >= MAX_VANISHED_DETAILS)) {
            leftOut += n;
            return;
        }
        if (vanished) {
            vanishedDetails++;
        }
        details.add(new Detail(kind, w.file(), w.netns(), w.key(), n, text));
    }

    /** Counts what a reader had to skip or cut on the way to a value, each problem at its file. */
    public void note(NetnsSource.Reading<?> reading) {
        for (NetnsSource.Problem p : reading.problems()) {
            add(p.kind(), p.count(), Where.file(p.file()), p.file() == null ? p.message() : p.file() + ": " + p.message());
        }
    }

    public int count(Kind kind) {
        return counts.getOrDefault(kind, 0);
    }

    public int total() {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }

    public Map<Kind, Integer> counts() {
        return Collections.unmodifiableMap(counts);
    }

    /** The first message of each kind, in kind order. */
    public Map<Kind, String> firstMessages() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(firstMessages));
    }

    /** The first errors of the scan with where they happened, in the order met (at most {@value #MAX_DETAILS}). */
    public List<Detail> details() {
        return Collections.unmodifiableList(details);
    }

    /** Errors counted but not in {@link #details()} (past the bound). */
    public int detailsLeftOut() {
        return leftOut;
    }

    /**
     * The kind of a failure to open or read a file, from the exception or its causes: a symbolic
     * link loop or something that is not a file the kernel makes is {@link Kind#MALFORMED}, a
     * missing file {@link Kind#VANISHED} (the process exited), a refusal {@link Kind#PERMISSION},
     * any other I/O failure {@link Kind#READ}; {@code otherwise} when no I/O exception is involved.
     */
    public static Kind kindOf(Throwable e, Kind otherwise) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NotAProcFile || t instanceof FileSystemLoopException || isLoop(t)) {
                return Kind.MALFORMED;
            }
            if (t instanceof NoSuchFileException) {
                return Kind.VANISHED;
            }
            if (t instanceof AccessDeniedException) {
                return Kind.PERMISSION;
            }
            if (t instanceof java.io.IOException) {
                return Kind.READ;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return otherwise;
    }

    /** The file an exception (or one of its causes) names, or null. */
    public static String fileOf(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof FileSystemException f && f.getFile() != null) {
                return f.getFile();
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    /**
     * ELOOP as the JDK reports it from stat or open: a plain FileSystemException whose reason is
     * libc's text for ELOOP ("Too many levels of symbolic links").
     */
    private static boolean isLoop(Throwable t) {
        if (t.getClass() != FileSystemException.class) {
            return false;
        }
        String reason = ((FileSystemException) t).getReason();
        return reason != null && reason.startsWith(EloopText.TEXT);
    }

    private static final class EloopText {
        /** errno of a symbolic link loop (x86-64 and arm64). */
        private static final int ELOOP = 40;
        static final String TEXT = Libc.strerror(ELOOP);
    }

    private static String pathPrefix(String message) {
        if (message == null || !message.startsWith("/")) {
            return null;
        }
        int end = message.indexOf(": ");
        if (end <= 1 || message.lastIndexOf(' ', end - 1) >= 0) {
            return null;
        }
        return message.substring(0, end);
    }

    /**
     * A path that is not what the kernel makes there: a FIFO, socket, device or directory where a
     * procfs file should be, or a path through something that is not a directory. Opening it could
     * block (a FIFO waits for a writer) or never end (/dev/zero), so it is refused before any read.
     * Counted as {@link Kind#MALFORMED}.
     */
    public static final class NotAProcFile extends FileSystemException {

        public NotAProcFile(String file, String reason) {
            super(file, null, reason);
        }
    }
}
