package dev.backlogsentinel.agent.kernel;

/**
 * The TCP knobs of one network namespace that decide what a full listen queue does, read from
 * inside the namespace (the host's /proc/sys shows the host's own values, not a pod's). Each is
 * null when the reader cannot see it.
 *
 * @param somaxconn          net.core.somaxconn: caps every listen() backlog, at listen() time
 * @param tcpSyncookies      net.ipv4.tcp_syncookies: 0 drops SYNs once a SYN queue is full, 1 answers with cookies then, 2 always
 * @param tcpAbortOnOverflow net.ipv4.tcp_abort_on_overflow: 1 resets a handshake that completes into a full accept queue
 * @param tcpMaxSynBacklog   net.ipv4.tcp_max_syn_backlog: with cookies off, SYNs of unproven peers are dropped past 3/4 of it
 */
public record NetnsKnobs(Integer somaxconn, Integer tcpSyncookies, Integer tcpAbortOnOverflow, Integer tcpMaxSynBacklog) {

    public static final NetnsKnobs UNKNOWN = new NetnsKnobs(null, null, null, null);

    /** The files under /proc/sys, in the order of this record's components. */
    public enum Knob {
        SOMAXCONN("net/core/somaxconn"),
        TCP_SYNCOOKIES("net/ipv4/tcp_syncookies"),
        TCP_ABORT_ON_OVERFLOW("net/ipv4/tcp_abort_on_overflow"),
        TCP_MAX_SYN_BACKLOG("net/ipv4/tcp_max_syn_backlog");

        private final String path;

        Knob(String path) {
            this.path = path;
        }

        /** Relative to /proc/sys. */
        public String path() {
            return path;
        }
    }

    /** @param values one per {@link Knob}, in its order; null where unknown */
    public static NetnsKnobs of(Integer[] values) {
        return new NetnsKnobs(values[0], values[1], values[2], values[3]);
    }
}
