package dev.backlogsentinel.agent.scan;

import java.util.Locale;

/** Which knob sets a listener's limit: the fix differs (DESIGN.md "States of one listener"). */
public enum LimitedBy {
    /** The application's listen() backlog is below somaxconn: raise it in the application. */
    BACKLOG,
    /** net.core.somaxconn of the namespace caps it: raise it in the pod's securityContext.sysctls. */
    SOMAXCONN,
    /** The reader cannot tell (procfs sees no limit; somaxconn unknown or lowered after listen()). */
    UNKNOWN;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param limit     the socket's own limit (sk_max_ack_backlog)
     * @param somaxconn the namespace's somaxconn now, or null
     */
    public static LimitedBy of(int limit, Integer somaxconn) {
        if (somaxconn == null) {
            return UNKNOWN;
        }
        if (limit < somaxconn) {
            return BACKLOG;
        }
        // Equal: the sysctl is the cap. Above: somaxconn was lowered after listen(), so neither knob alone explains it.
        return limit == somaxconn ? SOMAXCONN : UNKNOWN;
    }
}
