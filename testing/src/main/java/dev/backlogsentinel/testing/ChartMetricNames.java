package dev.backlogsentinel.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The metric names the chart's PrometheusRule, Grafana dashboard and promtool unit tests use, and
 * whether a real Prometheus scrape exposes them; the agent's and the operator's tests each check
 * the names that belong to their app.
 *
 * <p>Names are found in the files' raw text: an identifier that starts with {@code backlog_},
 * {@code jvm_} or {@code process_}, or is {@code up}, not preceded by a name character, and followed
 * by a brace (a selector), a bracket (a range), a parenthesis, a comma, whitespace or the end. In
 * these files such an identifier is always a metric: in a PromQL expression (also a Grafana
 * label_values query, a Prometheus template's query) or a promtool input series.
 */
public final class ChartMetricNames {

    public static final Path CHART = Path.of("../charts/backlog-sentinel");
    public static final List<Path> FILES = List.of(CHART.resolve("templates/prometheusrule.yaml"), CHART.resolve("dashboards/backlog-sentinel.json"),
            Path.of("../charts/src/test/promtool/alerts-test.yaml"));
    public static final Path PROMTOOL_TESTS = FILES.get(2);

    /** Labels the Prometheus Operator gives every target of a ServiceMonitor, not the application's. */
    public static final Set<String> TARGET_LABELS = Set.of("job", "instance", "namespace", "pod", "service", "endpoint", "container");

    private static final Pattern NAME = Pattern.compile("(?<![A-Za-z0-9_:])((?:backlog_|jvm_|process_)[A-Za-z0-9_:]*|up)(?=[\\s{\\[(),]|$)");
    private static final Pattern TYPE = Pattern.compile("(?m)^# TYPE ([A-Za-z_:][A-Za-z0-9_:]*) ([a-z]+)$");
    private static final Pattern SAMPLE = Pattern.compile("(?m)^([A-Za-z_:][A-Za-z0-9_:]*)(\\{[^\\n]*})? \\S+");
    private static final Pattern LABEL = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern SERIES = Pattern.compile("(?m)^\\s*- series: '([^']*)'");

    private ChartMetricNames() {
    }

    /** The metric names in a text (see the class comment for what counts as one). */
    public static Set<String> names(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = NAME.matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** Every metric name the chart's rule, dashboard and promtool tests use that the predicate keeps. */
    public static Set<String> usedByTheChart(Predicate<String> belongs) throws IOException {
        Set<String> names = new TreeSet<>();
        for (Path f : FILES) {
            names.addAll(names(Files.readString(f)));
        }
        // `up` is made by Prometheus for each target, never exposed by an application.
        names.remove("up");
        return names.stream().filter(belongs).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Metric families and their types, from the scrape's # TYPE lines. */
    public static Map<String, String> families(String scrape) {
        Map<String, String> types = new HashMap<>();
        Matcher m = TYPE.matcher(scrape);
        while (m.find()) {
            types.put(m.group(1), m.group(2));
        }
        return types;
    }

    /**
     * The label names of one sample: all it carries, and those with a value (Prometheus stores no
     * label whose value is empty, e.g. the pod of a listener that belongs to none).
     */
    public record SampleLabels(Set<String> all, Set<String> withValue) {

        /** Whether Prometheus could store this sample with exactly these label names. */
        public boolean admits(Set<String> labels) {
            return all.containsAll(labels) && labels.containsAll(withValue);
        }
    }

    /** The labels of each sample of a series name in the scrape. */
    public static Set<SampleLabels> samples(String scrape, String name) {
        Set<SampleLabels> sets = new HashSet<>();
        Matcher m = SAMPLE.matcher(scrape);
        while (m.find()) {
            if (m.group(1).equals(name)) {
                String braces = m.group(2) == null ? "" : m.group(2);
                sets.add(new SampleLabels(labelNames(braces, true), labelNames(braces, false)));
            }
        }
        return sets;
    }

    public static Set<String> labelNames(String braces, boolean emptyToo) {
        Set<String> names = new TreeSet<>();
        Matcher m = LABEL.matcher(braces);
        while (m.find()) {
            if (emptyToo || !m.group(2).isEmpty()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    /**
     * Whether PromQL's name is a series of the scrape: its family is declared by a # TYPE line with
     * a type that has that sample name (a counter family {@code x} as {@code x_total}, or one
     * declared as {@code x_total} itself; {@code _sum} and {@code _count} of a summary or
     * histogram, {@code _bucket} of a histogram; a gauge, untyped or summary family by its own
     * name), and a sample of it is there.
     */
    public static boolean exposed(String name, String scrape) {
        Map<String, String> types = families(scrape);
        boolean declared = switch (types.getOrDefault(name, "")) {
            case "gauge", "untyped", "unknown", "summary" -> true;
            case "counter" -> name.endsWith("_total");
            default -> false;
        };
        declared |= name.endsWith("_total") && "counter".equals(types.get(strip(name, "_total")));
        for (String suffix : List.of("_sum", "_count")) {
            declared |= name.endsWith(suffix) && Set.of("summary", "histogram").contains(types.getOrDefault(strip(name, suffix), ""));
        }
        declared |= name.endsWith("_bucket") && "histogram".equals(types.get(strip(name, "_bucket")));
        return declared && !samples(scrape, name).isEmpty();
    }

    private static String strip(String name, String suffix) {
        return name.substring(0, name.length() - suffix.length());
    }

    /** The names not exposed by the scrape. */
    public static Set<String> missing(Set<String> names, String scrape) {
        return names.stream().filter(n -> !exposed(n, scrape)).collect(Collectors.toCollection(TreeSet::new));
    }

    /** One input series of the promtool tests: its name and label names. */
    public record InputSeries(String name, Set<String> labels, String text) {

        /** The labels the application itself exposes: the target's dropped, exported_x back to x. */
        public Set<String> applicationLabels() {
            return labels.stream().filter(l -> !TARGET_LABELS.contains(l)).map(l -> l.startsWith("exported_") ? l.substring("exported_".length()) : l)
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    public static List<InputSeries> promtoolInputSeries() throws IOException {
        Matcher m = SERIES.matcher(Files.readString(PROMTOOL_TESTS));
        List<InputSeries> series = new ArrayList<>();
        while (m.find()) {
            String text = m.group(1);
            int brace = text.indexOf('{');
            series.add(new InputSeries(brace < 0 ? text : text.substring(0, brace), labelNames(brace < 0 ? "" : text.substring(brace), true), text));
        }
        return series;
    }
}
