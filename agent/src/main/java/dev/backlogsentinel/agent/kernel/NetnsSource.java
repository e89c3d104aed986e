package dev.backlogsentinel.agent.kernel;

import java.util.List;
import java.util.Map;

/**
 * What one reader keeps open for one network namespace, for that namespace's lifetime. The open
 * socket or files also pin the namespace, so its inode cannot be reused while it is tracked.
 */
public interface NetnsSource extends AutoCloseable {

    ReaderKind kind();

    /** Every listening TCP socket (IPv4 and IPv6) of the namespace; cheap, runs every scan. */
    Reading<List<ListenerSample>> listeners() throws ReaderException;

    /** SYN_RECV request sockets per local endpoint; walks the connection table, so only on demand. */
    Reading<Map<Endpoint, Integer>> synRecv() throws ReaderException;

    /** The namespace's TCP knobs now, those this reader can see (the others null). */
    NetnsKnobs sysctls() throws ReaderException;

    @Override
    void close();

    /**
     * A value read, with what had to be skipped or cut on the way, each problem naming its file:
     * the scan's errors take them as they are, with no message to pick apart.
     */
    record Reading<T>(T value, List<Problem> problems) {

        public Reading {
            problems = List.copyOf(problems);
        }

        /** Lines or messages skipped as unreadable. */
        public int malformed() {
            int n = 0;
            for (Problem p : problems) {
                n += p.kind() == ScanErrors.Kind.MALFORMED ? p.count() : 0;
            }
            return n;
        }

        /** A file was larger than the configured cap and was read only up to it. */
        public boolean cutAtCap() {
            return problems.stream().anyMatch(p -> p.kind() == ScanErrors.Kind.OVERSIZED);
        }
    }

    /**
     * One thing a reader met on its way to a value.
     *
     * @param kind    {@link ScanErrors.Kind#MALFORMED} (lines, messages or a whole file refused) or
     *                {@link ScanErrors.Kind#OVERSIZED} (a file read only up to the cap)
     * @param file    the file it concerns, or null (a netlink message)
     * @param count   how many of them (e.g. lines refused in that file)
     * @param message the first of them, without the file (e.g. "line 3: ...")
     */
    record Problem(ScanErrors.Kind kind, String file, int count, String message) {

        public static Problem malformed(String file, int count, String message) {
            return new Problem(ScanErrors.Kind.MALFORMED, file, count, message);
        }

        public static Problem cutAtCap(String file) {
            return new Problem(ScanErrors.Kind.OVERSIZED, file, 1, ScanErrors.CUT_AT_CAP);
        }
    }
}
