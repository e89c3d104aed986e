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
    NetnsSysctls sysctls() throws ReaderException;

    @Override
    void close();

    /**
     * A value read, with what had to be skipped on the way.
     *
     * @param malformed      lines or messages skipped as unreadable
     * @param firstMalformed the first of them, for the error message (null if none)
     * @param cutAtCap       a file was larger than the configured cap and was read only up to it
     */
    record Reading<T>(T value, int malformed, String firstMalformed, boolean cutAtCap) {
    }
}
