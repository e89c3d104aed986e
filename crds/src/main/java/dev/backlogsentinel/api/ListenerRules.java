package dev.backlogsentinel.api;

import java.util.Comparator;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * The rules of one listen queue that agent and operator both apply: when it is full, its usage, and
 * which of two queues is worse. One definition, so the agent's table, its report and the
 * operator's condition and policy status agree on them.
 */
public final class ListenerRules {

    private ListenerRules() {
    }

    /**
     * depth &gt; limit, the kernel's own test: the queue holds limit + 1 and the next connection is
     * dropped. False when either is unknown.
     */
    public static boolean full(Number depth, Integer limit) {
        return depth != null && limit != null && depth.longValue() > limit;
    }

    /**
     * 100 × depth ÷ max(limit, 1), to one decimal (above 100 when full); null when either is unknown.
     * A depth is a Number: the report's is an Integer, the agent's a long (the kernel's unsigned 32 bits).
     */
    public static Double usagePercent(Number depth, Integer limit) {
        return depth == null || limit == null ? null : Math.round(1000.0 * depth.longValue() / Math.max(limit, 1)) / 10.0;
    }

    /**
     * Worst first: full before not, then by usage (unknown last), then by depth. Ties are left to
     * the caller (e.g. by name, for an order that does not depend on arrival).
     */
    public static <T> Comparator<T> worstFirst(Predicate<? super T> full, Function<? super T, Double> usagePercent,
            ToLongFunction<? super T> depth) {
        return (a, b) -> {
            int c = Boolean.compare(full.test(b), full.test(a));
            if (c != 0) {
                return c;
            }
            c = Double.compare(orLowest(usagePercent.apply(b)), orLowest(usagePercent.apply(a)));
            return c != 0 ? c : Long.compare(depth.applyAsLong(b), depth.applyAsLong(a));
        };
    }

    private static double orLowest(Double usage) {
        return usage == null ? -1 : usage;
    }
}
