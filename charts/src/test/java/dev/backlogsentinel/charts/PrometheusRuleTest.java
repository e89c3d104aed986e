package dev.backlogsentinel.charts;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The chart's alerts and dashboard queries, judged by the real promtool (Debian's prometheus
 * package): the rendered PrometheusRule's groups must pass src/test/promtool/alerts-test.yaml, whose
 * input series are named and labelled as the agent and the operator expose them.
 */
class PrometheusRuleTest {

    static final Path UNIT_TESTS = Path.of("src/test/promtool/alerts-test.yaml");

    static final Path PROMTOOL = locate();

    /** Per test, so that each one is reported as skipped, with the reason, when promtool is missing. */
    @BeforeEach
    void requirePromtool() {
        String missing = "promtool not found (PROMTOOL, /usr/bin/promtool or PATH): apt-get install prometheus";
        if (PROMTOOL == null && "true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(missing + " (CI=true: the alerts must be tested)");
        }
        assumeTrue(PROMTOOL != null, missing + "; skipped outside CI");
    }

    static Path locate() {
        Stream<Path> candidates = Stream.concat(
                Stream.of(System.getenv("PROMTOOL"), "/usr/bin/promtool").filter(p -> p != null && !p.isBlank()).map(Path::of),
                Stream.of(System.getenv().getOrDefault("PATH", "").split(":")).filter(d -> !d.isBlank()).map(d -> Path.of(d, "promtool")));
        return candidates.filter(Files::isExecutable).findFirst().orElse(null);
    }

    record Run(int exit, String output) {
    }

    static Run promtool(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(PROMTOOL.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("promtool %s did not finish in 60s: %s", String.join(" ", args), out);
        }
        return new Run(p.exitValue(), out);
    }

    /** The rendered PrometheusRule's spec (its groups) as a Prometheus rules file, beside the unit tests. */
    static void writeRules(Map<String, Object> values, Path dir) throws IOException {
        Map<String, Object> all = new HashMap<>(values);
        all.put("prometheusRule.enabled", "true");
        Rendered r = Rendered.with(all);
        List<GenericKubernetesResource> rules = r.objects.stream().filter(o -> o.getKind().equals("PrometheusRule"))
                .map(GenericKubernetesResource.class::cast).toList();
        assertThat(rules).hasSize(1);
        Files.writeString(dir.resolve("rules.yaml"), Serialization.asYaml(rules.getFirst().getAdditionalProperties().get("spec")));
        Files.copy(UNIT_TESTS, dir.resolve("alerts-test.yaml"));
    }

    @Test
    void alertsFireWhenTheyShouldAndOnlyThen(@TempDir Path dir) throws Exception {
        writeRules(Map.of(), dir);
        Run check = promtool(dir, "check", "rules", "rules.yaml");
        assertThat(check.exit()).as(check.output()).isZero();
        assertThat(check.output()).contains("SUCCESS: 8 rules found");
        Run test = promtool(dir, "test", "rules", "alerts-test.yaml");
        assertThat(test.exit()).as(test.output()).isZero();
        assertThat(test.output()).contains("SUCCESS");
    }

    /** The unit tests bind the rules: a rule that no longer says what they expect fails them. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "prometheusRule.saturation.ratio|1.1|BacklogListenQueueSaturated",
            "prometheusRule.saturation.for|15m|BacklogListenQueueSaturated",
            "prometheusRule.agentSelector|job=\"backlog-sentinel-agent\"|BacklogAgentDown",
            "prometheusRule.operatorSelector|namespace=\"other\"|BacklogOperatorReconcileErrors",
            "prometheusRule.operatorSelector|namespace=\"other\"|BacklogOperatorEventWritesFailing",
            "prometheusRule.scanStalled.after|8m|BacklogAgentScansStalled",
            "prometheusRule.scanStalled.for|10m|BacklogAgentScansStalled",
            "prometheusRule.runbookUrl|https://wiki.example/runbooks|BacklogOperatorDown"})
    void theUnitTestsFailWhenARuleChanges(String key, String value, String failingAlert, @TempDir Path dir) throws Exception {
        writeRules(Map.of(key, value), dir);
        Run test = promtool(dir, "test", "rules", "alerts-test.yaml");
        assertThat(test.exit()).as(test.output()).isNotZero();
        assertThat(test.output()).contains("FAILED").contains("alertname: " + failingAlert);
    }

    /**
     * Every query of the dashboard is valid PromQL: each becomes a recording rule (Grafana's
     * $__rate_interval and the job variables replaced by what Grafana would put there) for
     * `promtool check rules`.
     */
    @Test
    @SuppressWarnings("unchecked")
    void everyDashboardQueryIsValidPromQl(@TempDir Path dir) throws Exception {
        ConfigMap cm = Rendered.with(Map.of("grafanaDashboard.enabled", "true")).all(ConfigMap.class).getFirst();
        Map<String, Object> dashboard = Serialization.unmarshal(cm.getData().get("backlog-sentinel.json"), Map.class);
        List<Map<String, Object>> recordings = new ArrayList<>();
        for (Map<String, Object> panel : (List<Map<String, Object>>) dashboard.get("panels")) {
            for (Map<String, Object> target : (List<Map<String, Object>>) panel.get("targets")) {
                Map<String, Object> datasource = (Map<String, Object>) target.get("datasource");
                assertThat(datasource).as("panel %s", panel.get("title")).containsEntry("uid", "${datasource}");
                String expr = target.get("expr").toString().replace("$__rate_interval", "5m")
                        .replace("$agent_job", "backlog-sentinel-agent-metrics").replace("$operator_job", "backlog-sentinel-operator-metrics");
                assertThat(expr).as("a variable left in %s", expr).doesNotContain("$");
                Map<String, Object> rule = new LinkedHashMap<>();
                rule.put("record", "dashboard:panel" + panel.get("id") + ":" + target.get("refId"));
                rule.put("expr", expr);
                recordings.add(rule);
            }
        }
        assertThat(recordings).hasSizeGreaterThan(20);
        Files.writeString(dir.resolve("dashboard.yaml"), Serialization.asYaml(Map.of("groups", List.of(Map.of("name", "dashboard", "rules", recordings)))));
        Run check = promtool(dir, "check", "rules", "dashboard.yaml");
        assertThat(check.exit()).as(check.output()).isZero();

        // The same check refuses a query that is not PromQL.
        recordings.add(Map.of("record", "dashboard:broken", "expr", "rate(backlog_listen_queue_depth{job=\"x\"}[5m]"));
        Files.writeString(dir.resolve("broken.yaml"), Serialization.asYaml(Map.of("groups", List.of(Map.of("name", "dashboard", "rules", recordings)))));
        assertThat(promtool(dir, "check", "rules", "broken.yaml").exit()).isNotZero();
    }
}
