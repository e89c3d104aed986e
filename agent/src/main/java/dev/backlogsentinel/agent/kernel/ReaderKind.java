package dev.backlogsentinel.agent.kernel;

import java.util.Locale;

/** Which reader produced a namespace's listeners; also the value of backlog.agent.reader. */
public enum ReaderKind {
    /** NETLINK_SOCK_DIAG from inside the namespace: exact depth and limit, LISTEN-only dump. */
    NETLINK,
    /** /proc/&lt;pid&gt;/net/tcp{,6}: depth only, no capability needed. */
    PROCFS;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
