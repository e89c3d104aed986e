package dev.backlogsentinel.api.policy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rules the CRD schema states, checked again in Java: a policy that reaches the operator or an
 * agent without a validating API server (or from before a schema change) is refused whole, never
 * enforced half-way.
 */
public final class PolicyValidation {

    private static final Pattern DURATION = Pattern.compile(BacklogPolicySpec.DURATION_PATTERN);
    private static final Pattern PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)");

    private PolicyValidation() {
    }

    /** @return what is wrong with the spec, empty when it is valid */
    public static List<String> problems(BacklogPolicySpec spec) {
        List<String> problems = new ArrayList<>();
        if (spec == null) {
            problems.add("spec is missing");
            return problems;
        }
        Integer warning = spec.getWarningPercent();
        Integer critical = spec.getCriticalPercent();
        checkPercent("warningPercent", warning, problems);
        checkPercent("criticalPercent", critical, problems);
        if (warning != null && critical != null && warning >= critical) {
            problems.add("warningPercent (" + warning + ") must be less than criticalPercent (" + critical + ")");
        }
        if (spec.getSustainFor() == null || !DURATION.matcher(spec.getSustainFor()).matches()) {
            problems.add("sustainFor '" + spec.getSustainFor() + "' is not a duration such as 15s, 2m or 1m30s");
        }
        if (spec.getOverflowsPerMinute() == null || spec.getOverflowsPerMinute() < 0) {
            problems.add("overflowsPerMinute must be 0 or more (0 disables it), not " + spec.getOverflowsPerMinute());
        }
        if (spec.getPorts() != null) {
            for (Integer port : spec.getPorts()) {
                if (port == null || port < 1 || port > 65535) {
                    problems.add("port " + port + " is not between 1 and 65535");
                }
            }
        }
        return problems;
    }

    private static void checkPercent(String field, Integer value, List<String> problems) {
        if (value == null || value < 1 || value > 100) {
            problems.add(field + " must be between 1 and 100, not " + value);
        }
    }

    /** Parses a duration the schema accepts (e.g. 0, 500ms, 15s, 1m30s, 1.5h). */
    public static Duration parseDuration(String text) {
        if (text == null || !DURATION.matcher(text).matches()) {
            throw new IllegalArgumentException("not a duration: " + text);
        }
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = PART.matcher(text);
        double millis = 0;
        while (m.find()) {
            double n = Double.parseDouble(m.group(1));
            millis += switch (m.group(2)) {
                case "ms" -> n;
                case "s" -> n * 1_000;
                case "m" -> n * 60_000;
                default -> n * 3_600_000;
            };
        }
        return Duration.ofMillis(Math.round(millis));
    }
}
