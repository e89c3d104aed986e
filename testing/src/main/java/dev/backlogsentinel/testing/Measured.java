package dev.backlogsentinel.testing;

import java.util.Collection;
import java.util.Map;

/**
 * A benchmark's figures, refused when they were not measured: a benchmark that cannot produce a
 * figure (NaN, infinite, missing) or measured it on fewer samples than it asked for fails, naming
 * which, rather than printing a table with a hole in it.
 */
public final class Measured {

    private Measured() {
    }

    /** The value, when it is a number. */
    public static double figure(String name, double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            throw new AssertionError("benchmark figure \"" + name + "\" was not measured (" + value + ")");
        }
        return value;
    }

    /** The value of a key, when there is one and it is a number. */
    public static double figure(String name, Map<String, Double> values, String key) {
        Double value = values.get(key);
        if (value == null) {
            throw new AssertionError("benchmark figure \"" + name + "\" was not measured: no " + key + " among " + values.keySet());
        }
        return figure(name, value);
    }

    /** The samples, when there are as many as asked for. */
    public static <C extends Collection<?>> C samples(String what, C samples, int asked) {
        if (samples.size() < asked) {
            throw new AssertionError("benchmark measured " + samples.size() + " " + what + " of the " + asked + " it asked for");
        }
        return samples;
    }

    /** The p-th percentile of sorted values (nearest rank); there must be at least one. */
    public static double percentile(String name, double[] sorted, int p) {
        if (sorted.length == 0) {
            throw new AssertionError("benchmark figure \"" + name + "\" has no samples");
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return figure(name, sorted[Math.max(0, Math.min(sorted.length - 1, i))]);
    }
}
