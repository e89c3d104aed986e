package dev.backlogsentinel.agent.kernel;

/** backlog.agent.reader: which reader to use. */
public enum ReaderChoice {
    /** netlink where it works (needs CAP_SYS_ADMIN and CAP_SYS_PTRACE), procfs elsewhere. */
    AUTO,
    NETLINK,
    PROCFS
}
