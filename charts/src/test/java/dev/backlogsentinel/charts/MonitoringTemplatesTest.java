package dev.backlogsentinel.charts;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The opt-in PrometheusRule and Grafana dashboard: absent by default, as configured when enabled. */
class MonitoringTemplatesTest {

    static final Path DASHBOARD = Rendered.CHART.resolve("dashboards/backlog-sentinel.json");
    static final Path RUNBOOKS = Path.of("../docs/alerts.md");
    static final List<String> ALERTS = List.of("BacklogListenQueueSaturated", "BacklogListenOverflows", "BacklogAgentDown",
            "BacklogAgentWritesFailing", "BacklogAgentScansStalled", "BacklogOperatorReconcileErrors", "BacklogOperatorEventWritesFailing",
            "BacklogOperatorDown");

    static List<GenericKubernetesResource> kind(Rendered r, String kind) {
        return r.objects.stream().filter(o -> o.getKind().equals(kind)).map(GenericKubernetesResource.class::cast).toList();
    }

    static List<ConfigMap> dashboards(Rendered r) {
        return r.all(ConfigMap.class).stream().filter(c -> c.getData() != null && c.getData().containsKey("backlog-sentinel.json")).toList();
    }

    /** The rules of the PrometheusRule's groups, as Prometheus reads them. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> rules(GenericKubernetesResource rule) {
        return ((List<Map<String, Object>>) spec(rule).get("groups")).stream()
                .flatMap(g -> ((List<Map<String, Object>>) g.get("rules")).stream()).toList();
    }

    @SuppressWarnings("unchecked")
    static Map<String, String> map(Map<String, Object> rule, String key) {
        return (Map<String, String>) rule.get(key);
    }

    @Test
    void neitherRuleNorDashboardByDefault() {
        Rendered defaults = Rendered.with(Map.of());
        assertThat(kind(defaults, "PrometheusRule")).isEmpty();
        assertThat(dashboards(defaults)).isEmpty();
    }

    @Test
    void eachIsRenderedOnlyWhenItsOwnSwitchIsOn() {
        Rendered rule = Rendered.with(Map.of("prometheusRule.enabled", "true"));
        assertThat(kind(rule, "PrometheusRule")).hasSize(1);
        assertThat(dashboards(rule)).isEmpty();
        Rendered dashboard = Rendered.with(Map.of("grafanaDashboard.enabled", "true"));
        assertThat(kind(dashboard, "PrometheusRule")).isEmpty();
        assertThat(dashboards(dashboard)).hasSize(1);
    }

    @Test
    void prometheusRuleCarriesTheConfiguredLabelsAndEveryAlertItsSeverityRunbookAndTexts() {
        Rendered r = Rendered.with(Map.of("prometheusRule.enabled", "true", "prometheusRule.labels.release", "prometheus",
                "prometheusRule.alertLabels.team", "platform"));
        GenericKubernetesResource rule = kind(r, "PrometheusRule").getFirst();
        assertThat(rule.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(rule.getMetadata().getName()).isEqualTo("backlog-sentinel");
        assertThat(rule.getMetadata().getLabels()).containsEntry("release", "prometheus")
                .containsEntry("app.kubernetes.io/instance", Rendered.RELEASE);
        List<Map<String, Object>> rules = rules(rule);
        assertThat(rules).extracting(x -> x.get("alert")).containsExactlyElementsOf(ALERTS);
        for (Map<String, Object> alert : rules) {
            assertThat(map(alert, "labels")).as("%s", alert.get("alert")).containsEntry("team", "platform").containsEntry("severity", "warning");
            assertThat(map(alert, "annotations")).as("%s", alert.get("alert")).containsKeys("summary", "description", "runbook_url");
            assertThat(map(alert, "annotations").get("runbook_url")).startsWith(
                    "https://github.com/backlog-sentinel/backlog-sentinel/blob/main/docs/alerts.md#" + alert.get("alert").toString().toLowerCase(Locale.ROOT));
        }
    }

    /** GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces as hyphens. */
    static String anchor(String heading) {
        return heading.strip().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
    }

    @Test
    void everyRunbookUrlPointsAtAHeadingOfTheRunbooks() throws IOException {
        Set<String> anchors = Files.readAllLines(RUNBOOKS).stream().filter(l -> l.matches("^#{1,6} .*"))
                .map(l -> anchor(l.replaceFirst("^#+ ", ""))).collect(Collectors.toSet());
        assertThat(anchors).contains("backlogagentdown");
        for (Map<String, Object> alert : rules(kind(Rendered.with(Map.of("prometheusRule.enabled", "true")), "PrometheusRule").getFirst())) {
            String url = map(alert, "annotations").get("runbook_url");
            assertThat(anchors).as("docs/alerts.md heading for %s", url).contains(url.substring(url.indexOf('#') + 1));
        }
    }

    @Test
    void defaultSelectorsAreWhatTheChartsServiceMonitorsScrape() {
        Rendered r = Rendered.with(Map.of("prometheusRule.enabled", "true", "serviceMonitor.enabled", "true"));
        List<Map<String, Object>> rules = rules(kind(r, "PrometheusRule").getFirst());
        Map<String, String> selectors = new HashMap<>();
        for (String component : List.of("agent", "operator")) {
            GenericKubernetesResource monitor = kind(r, "ServiceMonitor").stream()
                    .filter(m -> m.getMetadata().getName().endsWith("-" + component)).findFirst().orElseThrow();
            // Without jobLabel a target's job is the name of the Service it came from; without a
            // namespaceSelector the Services are those of the ServiceMonitor's namespace (the agent's, or the release's).
            assertThat(spec(monitor)).doesNotContainKeys("jobLabel", "namespaceSelector");
            // Without honorLabels the agent's namespace and pod labels are stored as exported_namespace and exported_pod.
            assertThat(spec(monitor).toString()).doesNotContain("honorLabels");
            List<Service> selected = r.all(Service.class).stream()
                    .filter(s -> s.getMetadata().getLabels().entrySet().containsAll(selectorOf(monitor).entrySet())).toList();
            assertThat(selected).hasSize(1);
            String namespace = Objects.requireNonNullElse(selected.getFirst().getMetadata().getNamespace(), Rendered.NAMESPACE);
            assertThat(Objects.requireNonNullElse(monitor.getMetadata().getNamespace(), Rendered.NAMESPACE)).isEqualTo(namespace);
            selectors.put(component, "job=\"" + selected.getFirst().getMetadata().getName() + "\", namespace=\"" + namespace + "\"");
        }
        assertThat(selectors.get("agent")).isEqualTo("job=\"backlog-sentinel-agent-metrics\", namespace=\"backlog-sentinel-agent\"");
        for (Map<String, Object> alert : rules) {
            boolean operator = alert.get("alert").toString().startsWith("BacklogOperator");
            String expr = alert.get("expr").toString();
            assertThat(expr).as("%s", alert.get("alert")).contains("{" + selectors.get(operator ? "operator" : "agent"))
                    .doesNotContain(selectors.get(operator ? "agent" : "operator"));
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> spec(GenericKubernetesResource o) {
        return (Map<String, Object>) o.getAdditionalProperties().get("spec");
    }

    @SuppressWarnings("unchecked")
    static Map<String, String> selectorOf(GenericKubernetesResource monitor) {
        return (Map<String, String>) ((Map<String, Object>) spec(monitor).get("selector")).get("matchLabels");
    }

    @Test
    void selectorsAndSaturationAreValues() {
        Rendered r = Rendered.with(Map.of("prometheusRule.enabled", "true", "prometheusRule.agentSelector", "job=\"node-agents\"",
                "prometheusRule.operatorSelector", "job=\"ops\"", "prometheusRule.saturation.ratio", "1", "prometheusRule.saturation.for", "15m"));
        List<Map<String, Object>> rules = rules(kind(r, "PrometheusRule").getFirst());
        Map<String, Object> saturated = rules.getFirst();
        assertThat(saturated.get("expr")).isEqualTo("backlog_listen_queue_usage_ratio{job=\"node-agents\"} >= 1");
        assertThat(saturated.get("for")).isEqualTo("15m");
        assertThat(rules).filteredOn(a -> a.get("alert").toString().startsWith("BacklogOperator"))
                .allSatisfy(a -> assertThat(a.get("expr").toString()).contains("{job=\"ops\"}").doesNotContain("node-agents"));
        assertThat(rules).filteredOn(a -> !a.get("alert").toString().startsWith("BacklogOperator"))
                .allSatisfy(a -> assertThat(a.get("expr").toString()).contains("{job=\"node-agents\"").doesNotContain("ops"));
    }

    /** PromQL compares the scan's age in seconds: the chart turns scanStalled.after, a duration, into them. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"''|60|5m", "90s|90|5m", "1m30s|90|10m", "1.5m|90|2m", "2h|7200|15m", "500ms|0.5|1m"})
    void scanStalledAfterIsSecondsInTheExpressionAndForIsTheAlertsFor(String after, String seconds, String holdFor) {
        Map<String, Object> values = new HashMap<>(Map.of("prometheusRule.enabled", "true", "prometheusRule.scanStalled.for", holdFor));
        if (!after.isEmpty()) {
            values.put("prometheusRule.scanStalled.after", after);
        }
        Map<String, Object> stalled = rules(kind(Rendered.with(values), "PrometheusRule").getFirst()).stream()
                .filter(a -> a.get("alert").equals("BacklogAgentScansStalled")).findFirst().orElseThrow();
        assertThat(stalled.get("expr").toString()).contains("(backlog_last_scan_completed_timestamp_seconds{").contains("} > 0) > " + seconds + "\n")
                .contains("backlog_last_scan_completed_timestamp_seconds{").endsWith("} == 0");
        assertThat(stalled.get("for")).isEqualTo(holdFor);
    }

    @Test
    void dashboardConfigMapCarriesTheSidecarLabelTheConfiguredOnesAndTheDashboardFile() throws IOException {
        Rendered r = Rendered.with(Map.of("grafanaDashboard.enabled", "true", "grafanaDashboard.labels.team", "platform",
                "grafanaDashboard.annotations.grafana_folder", "Backlog Sentinel", "grafanaDashboard.namespace", "monitoring"));
        ConfigMap cm = dashboards(r).getFirst();
        assertThat(cm.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1").containsEntry("team", "platform")
                .containsEntry("app.kubernetes.io/instance", Rendered.RELEASE);
        assertThat(cm.getMetadata().getAnnotations()).containsEntry("grafana_folder", "Backlog Sentinel");
        assertThat(cm.getMetadata().getNamespace()).isEqualTo("monitoring");
        String json = cm.getData().get("backlog-sentinel.json");
        assertThat(json).isEqualTo(Files.readString(DASHBOARD).stripTrailing());
        Map<?, ?> dashboard = Serialization.unmarshal(json, Map.class);
        assertThat(dashboard.get("uid")).isEqualTo("backlog-sentinel");
        assertThat((List<?>) dashboard.get("panels")).hasSizeGreaterThan(10);

        Rendered defaultNamespace = Rendered.with(Map.of("grafanaDashboard.enabled", "true"));
        assertThat(dashboards(defaultNamespace).getFirst().getMetadata().getNamespace()).isEqualTo(Rendered.NAMESPACE);
        assertThat(dashboards(defaultNamespace).getFirst().getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    }

    @Test
    @SuppressWarnings("unchecked")
    void lintStrictPassesWithBothEnabled(@TempDir Path copy) throws IOException {
        ChartTest.copyTree(Rendered.CHART, copy);
        // helm lint reads values.yaml only: the chart's own, with the monitoring sections set.
        Map<String, Object> values = Serialization.unmarshal(Files.readString(Rendered.CHART.resolve("values.yaml")), Map.class);
        values.putAll(Serialization.unmarshal("""
                serviceMonitor: {enabled: true, interval: 30s, labels: {release: prometheus}}
                prometheusRule:
                  enabled: true
                  labels: {release: prometheus}
                  agentSelector: 'job="node-agents"'
                  operatorSelector: ""
                  saturation: {ratio: 0.8, for: 10m}
                  scanStalled: {after: 90s, for: 10m}
                  alertLabels: {team: platform}
                  runbookUrl: https://wiki.example/backlog-sentinel
                grafanaDashboard:
                  enabled: true
                  labels: {grafana_dashboard: "1", team: platform}
                  annotations: {grafana_folder: Backlog Sentinel}
                  namespace: monitoring
                """, Map.class));
        Files.writeString(copy.resolve("values.yaml"), Serialization.asYaml(values));
        LintResult result = new Helm(copy).lint().strict().call();
        assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
        Map<String, Object> written = Serialization.unmarshal(Files.readString(copy.resolve("values.yaml")), Map.class);
        assertThat(((Map<String, Object>) written.get("prometheusRule")).get("enabled")).as("linted with the rule on").isEqualTo(true);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"prometheusRule.unknownKey|x", "prometheusRule.saturation.ratio|0",
            "prometheusRule.saturation.ratio|many", "prometheusRule.saturation.for|a while", "prometheusRule.scanStalled.after|a minute",
            "prometheusRule.scanStalled.for|-5m", "prometheusRule.scanStalled.often|1m", "grafanaDashboard.labels.grafana_dashboard|1",
            "grafanaDashboard.folder|x", "prometheusRule.enabled|maybe"})
    void badMonitoringValuesAreRefusedBySchema(String key, String value) {
        assertThatThrownBy(() -> Rendered.with(Map.of(key, value))).hasMessageContaining("schema");
    }
}
