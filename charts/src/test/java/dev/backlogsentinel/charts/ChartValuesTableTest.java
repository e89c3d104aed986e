package dev.backlogsentinel.charts;

import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every key of values.yaml has its row in docs/configuration.md's table, and every row names a key
 * that exists (as helm-docs keeps a chart's README): maps the user fills freely (resources,
 * selectors, tolerations, affinity, labels, annotations, extra environment) are one row each. A
 * scalar's documented default, when the table gives it as one code span, is values.yaml's.
 */
class ChartValuesTableTest {

    static final Set<String> FREE_FORM = Set.of("resources", "nodeSelector", "affinity", "labels", "annotations", "alertLabels",
            "tolerations", "extraEnv");
    static final Path DOC = Path.of("../docs/configuration.md");

    @Test
    void everyChartValueIsDocumentedAndEveryDocumentedValueExists() throws IOException {
        Map<String, Object> values = keys(Serialization.unmarshal(Files.readString(Rendered.CHART.resolve("values.yaml")), Map.class));
        Map<String, String> documented = documented();
        assertThat(new TreeSet<>(documented.keySet())).as("docs/configuration.md's chart values against values.yaml")
                .isEqualTo(new TreeSet<>(values.keySet()));
        List<String> wrongDefaults = new ArrayList<>();
        documented.forEach((key, cell) -> {
            Matcher single = Pattern.compile("^`([^`]*)`$").matcher(cell);
            Object value = values.get(key);
            if (single.matches() && !(value instanceof Map) && !(value instanceof List)) {
                String expected = value instanceof String s && s.isEmpty() ? "\"\"" : String.valueOf(value);
                if (!single.group(1).equals(expected)) {
                    wrongDefaults.add(key + ": documented " + single.group(1) + ", values.yaml " + expected);
                }
            }
        });
        assertThat(wrongDefaults).isEmpty();
    }

    @Test
    void anUndocumentedKeyIsFound() {
        Map<String, Object> values = keys(Map.of("agent", Map.of("newSetting", 1, "resources", Map.of("requests", Map.of()))));
        assertThat(values.keySet()).containsExactlyInAnyOrder("agent.newSetting", "agent.resources");
    }

    /** The table between its markers: key to its default cell. */
    static Map<String, String> documented() throws IOException {
        String doc = Files.readString(DOC);
        Matcher table = Pattern.compile("(?s)<!-- chart-values[^>]*-->\\n(.*?)<!-- end chart-values -->").matcher(doc);
        assertThat(table.find()).as("docs/configuration.md has its chart values table between its markers").isTrue();
        Map<String, String> rows = new LinkedHashMap<>();
        for (String line : table.group(1).lines().skip(2).toList()) {
            String[] cells = line.split("\\|", -1);
            String key = cells[1].strip().replaceAll("^`|`$", "");
            assertThat(rows).as("one row per key: " + key).doesNotContainKey(key);
            rows.put(key, cells[2].strip());
        }
        return rows;
    }

    /** values.yaml's keys, dotted, down to a scalar, a list, an empty map or a free-form map. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> keys(Map<String, Object> values) {
        Map<String, Object> keys = new LinkedHashMap<>();
        walk("", values, keys);
        return keys;
    }

    @SuppressWarnings("unchecked")
    private static void walk(String prefix, Map<String, Object> map, Map<String, Object> keys) {
        map.forEach((k, v) -> {
            String key = prefix.isEmpty() ? k : prefix + "." + k;
            if (v instanceof Map<?, ?> m && !m.isEmpty() && !FREE_FORM.contains(k)) {
                walk(key, (Map<String, Object>) m, keys);
            } else {
                keys.put(key, v);
            }
        });
    }
}
