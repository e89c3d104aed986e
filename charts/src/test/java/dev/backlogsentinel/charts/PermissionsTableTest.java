package dev.backlogsentinel.charts;

import dev.backlogsentinel.testing.ChartInstall;
import dev.backlogsentinel.testing.Identity;
import dev.backlogsentinel.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/security.md's table of what each ServiceAccount may do is what the API server says they may
 * do: `kubectl auth can-i --list` of both, with the chart's RBAC applied to a real API server, in
 * every namespace the table names and one it does not, less what any ServiceAccount holds. A grant
 * added to the chart and not to the table (or the other way round) fails here.
 */
class PermissionsTableTest {

    /** What the table calls each place, and the namespace it is on the test server. */
    static final Map<String, String> PLACES = Map.of("cluster", "elsewhere", "release namespace", ChartInstall.NAMESPACE,
            "agent namespace", ChartInstall.AGENT_NAMESPACE, "kube-node-lease", "kube-node-lease");
    private static final Pattern ROW = Pattern.compile("^(\\S+)\\s+\\[([^\\]]*)\\]\\s+\\[([^\\]]*)\\]\\s+\\[([^\\]]*)\\]\\s*$");

    /** One grant: who, where, on what (with which names), which verbs. */
    record Grant(String identity, String where, String resource, String names) implements Comparable<Grant> {
        @Override
        public int compareTo(Grant o) {
            return toString().compareTo(o.toString());
        }
    }

    @Test
    void theDocumentedTableIsExactlyWhatEachServiceAccountMayDo() throws IOException {
        TestApiServer server = TestApiServer.shared();
        ChartInstall.Installed chart = ChartInstall.on(server);
        Map<Grant, Set<String>> granted = new TreeMap<>();
        try (KubernetesClient admin = server.admin()) {
            admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("elsewhere").endMetadata().build())
                    .createOr(NonDeletingOperation::update);
            Identity nobody = ChartInstall.identity(server, admin, "nobody");
            for (var who : Map.of("agent", chart.agent(), "operator", chart.operator()).entrySet()) {
                Map<String, Set<String>> cluster = without(canList(server, who.getValue(), "elsewhere"), canList(server, nobody, "elsewhere"));
                cluster.forEach((key, verbs) -> granted.put(grant(who.getKey(), "cluster", key), verbs));
                for (var place : PLACES.entrySet()) {
                    if (place.getKey().equals("cluster")) {
                        continue;
                    }
                    Map<String, Set<String>> here = without(without(canList(server, who.getValue(), place.getValue()),
                            canList(server, nobody, place.getValue())), cluster);
                    here.forEach((key, verbs) -> granted.put(grant(who.getKey(), place.getKey(), key), verbs));
                }
            }
        }
        assertThat(render(documented())).as("docs/security.md's table, against kubectl auth can-i --list").isEqualTo(render(granted));
    }

    /** The table between its markers in docs/security.md. */
    static Map<Grant, Set<String>> documented() throws IOException {
        String doc = Files.readString(repository().resolve("docs/security.md"));
        Matcher table = Pattern.compile("(?s)<!-- permissions-table[^>]*-->\\n(.*?)<!-- end permissions-table -->").matcher(doc);
        assertThat(table.find()).as("docs/security.md has its permissions table between its markers").isTrue();
        Map<Grant, Set<String>> rows = new TreeMap<>();
        for (String line : table.group(1).lines().skip(2).toList()) {
            String[] cells = Arrays.stream(line.split("\\|", -1)).map(String::strip).toArray(String[]::new);
            assertThat(PLACES).as("a place the test knows: " + line).containsKey(cells[2]);
            Grant grant = new Grant(cells[1], cells[2], cells[3], cells[4]);
            assertThat(rows).as("one row per resource and names: " + line).doesNotContainKey(grant);
            rows.put(grant, new TreeSet<>(List.of(cells[5].split(",\\s*"))));
        }
        return rows;
    }

    /** `kubectl auth can-i --list` as someone in a namespace: "resource [names]" to verbs. */
    static Map<String, Set<String>> canList(TestApiServer server, Identity who, String namespace) {
        Map<String, Set<String>> rules = new LinkedHashMap<>();
        for (String line : server.kubectl("auth", "can-i", "--list", "--as", who.user(), "-n", namespace).lines().skip(1).toList()) {
            Matcher m = ROW.matcher(line.strip());
            if (!m.matches()) {
                // A non-resource URL row has no resource column; every authenticated user's, and no chart grants one.
                continue;
            }
            String key = m.group(1) + " [" + m.group(3).strip() + "]";
            rules.computeIfAbsent(key, k -> new TreeSet<>()).addAll(List.of(m.group(4).strip().split("\\s+")));
        }
        return rules;
    }

    static Map<String, Set<String>> without(Map<String, Set<String>> rules, Map<String, Set<String>> others) {
        Map<String, Set<String>> left = new LinkedHashMap<>();
        rules.forEach((key, verbs) -> {
            Set<String> rest = new TreeSet<>(verbs);
            rest.removeAll(others.getOrDefault(key, Set.of()));
            if (!rest.isEmpty()) {
                left.put(key, rest);
            }
        });
        return left;
    }

    static Grant grant(String identity, String where, String key) {
        int names = key.indexOf(" [");
        return new Grant(identity, where, key.substring(0, names), key.substring(names + 2, key.length() - 1));
    }

    static String render(Map<Grant, Set<String>> grants) {
        List<String> lines = new ArrayList<>();
        grants.forEach((g, verbs) -> lines.add(String.join(" | ", g.identity(), g.where(), g.resource(), g.names(), String.join(", ", verbs))));
        return String.join("\n", lines);
    }

    static Path repository() {
        return ChartInstall.chart().getParent().getParent();
    }
}
