package dev.backlogsentinel.agent.kernel;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Errors met during one scan, counted by kind, each kind with its first message. A scan that
 * meets errors still completes with everything it could read.
 */
public final class ScanErrors {

    /** What went wrong, as a metric label. */
    public enum Kind {
        /** A process exited between being listed and being read: normal churn, counted apart. */
        VANISHED,
        /** Not allowed to read or enter something (capability, hidepid). */
        PERMISSION,
        /** A procfs line or netlink message that does not parse. */
        MALFORMED,
        /** A procfs file larger than backlog.agent.max-proc-file-bytes: read up to the cap. */
        OVERSIZED,
        /** A file that should be there is not (e.g. a kernel without IPv6). */
        MISSING,
        /** Any other read failure. */
        READ;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
    private final Map<Kind, String> firstMessages = new EnumMap<>(Kind.class);

    public void add(Kind kind, String message) {
        add(kind, 1, message);
    }

    public void add(Kind kind, int n, String message) {
        if (n <= 0) {
            return;
        }
        counts.merge(kind, n, Integer::sum);
        firstMessages.putIfAbsent(kind, message);
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
}
