package dev.backlogsentinel.testing;

import java.time.Duration;

/**
 * A benchmark's sizes and durations in one place: its full figure by default; with
 * {@code -Dbench.quick} a small one, so that {@code ./mvnw -Pbench verify -Dbench.quick} runs every
 * benchmark in a couple of minutes as a check that it still works (CI does), not as figures to
 * quote; and whatever {@code -D<property>} says over both.
 */
public final class BenchmarkSizes {

    /** Set by -Dbench.quick (Maven passes a bare -D as "true"). */
    public static final boolean QUICK = Boolean.getBoolean("bench.quick");

    private BenchmarkSizes() {
    }

    public static int count(String property, int full, int quick) {
        return Integer.getInteger(property, QUICK ? quick : full);
    }

    public static Duration seconds(String property, long full, long quick) {
        return Duration.ofSeconds(Long.getLong(property, QUICK ? quick : full));
    }

    public static String text(String property, String full, String quick) {
        return System.getProperty(property, QUICK ? quick : full);
    }

    /** A line under a benchmark's heading in its quick form, so its figures are never quoted as measured; else nothing. */
    public static String banner() {
        return QUICK ? "(quick form, -Dbench.quick: small sizes, short phases; a check that the benchmark runs, not figures to quote)\n" : "";
    }
}
