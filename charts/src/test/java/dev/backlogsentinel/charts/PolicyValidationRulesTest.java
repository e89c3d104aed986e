package dev.backlogsentinel.charts;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import dev.backlogsentinel.testing.ChartInstall;
import dev.backlogsentinel.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The committed CRD's schema as a real API server (1.20) judges it: policies are sent as raw
 * objects and the server's answer is the assertion, for ranges, the duration pattern and defaults.
 * The two CEL rules (warning below critical; each port in 1..65535) need Kubernetes 1.25+, which
 * cannot be built here: those are checked as YAML, and on older servers the operator's own
 * validation (PolicyValidation) refuses such a policy in its status instead.
 */
class PolicyValidationRulesTest {

    static JSONSchemaProps spec;
    static KubernetesClient admin;

    @BeforeAll
    static void load() throws Exception {
        CustomResourceDefinition crd = Serialization.unmarshal(Files.readString(
                ChartInstall.chart().resolve("crds/backlogpolicies.backlogsentinel.dev.yaml")),
                CustomResourceDefinition.class);
        spec = crd.getSpec().getVersions().getFirst().getSchema().getOpenAPIV3Schema().getProperties().get("spec");
        TestApiServer server = TestApiServer.shared();
        ChartInstall.on(server);
        admin = server.admin();
        if (admin.namespaces().withName("validation").get() == null) {
            admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("validation").endMetadata().build()).create();
        }
    }

    @AfterAll
    static void close() {
        admin.close();
    }

    /** Sends a policy with this spec, as kubectl apply would; returns what the server kept, or its refusal. */
    static GenericKubernetesResource send(Map<String, Object> spec) {
        GenericKubernetesResource policy = new GenericKubernetesResourceBuilder().withApiVersion("backlogsentinel.dev/v1alpha1")
                .withKind("BacklogPolicy").withNewMetadata().withNamespace("validation").withGenerateName("p-").endMetadata()
                .withAdditionalProperties(Map.of("spec", spec)).build();
        return admin.genericKubernetesResources("backlogsentinel.dev/v1alpha1", "BacklogPolicy").inNamespace("validation")
                .resource(policy).create();
    }

    static void refused(Map<String, Object> spec, String field) {
        assertThatThrownBy(() -> send(spec)).isInstanceOfSatisfying(KubernetesClientException.class, e -> {
            assertThat(e.getCode()).isEqualTo(422);
            assertThat(e.getMessage()).contains(field);
        });
    }

    @ParameterizedTest
    @CsvSource({"warningPercent, 0", "warningPercent, 150", "criticalPercent, 0", "criticalPercent, 150", "warningPercent, -5"})
    void percentOutsideOneToHundredIsRefused(String field, int value) {
        refused(Map.of(field, value), field);
    }

    @ParameterizedTest
    @CsvSource({"warningPercent, 1", "criticalPercent, 100", "warningPercent, 70"})
    void percentInsideTheRangeIsAccepted(String field, int value) {
        assertThat(send(Map.of(field, value)).get("spec", field).toString()).isEqualTo(Integer.toString(value));
    }

    @ParameterizedTest
    @ValueSource(strings = {"soon", "15", "s", "15 s", "-1s", "1d", ""})
    void sustainForThatIsNotADurationIsRefused(String value) {
        refused(Map.of("sustainFor", value), "sustainFor");
    }

    @ParameterizedTest
    @ValueSource(strings = {"15s", "0s", "0", "500ms", "1m30s", "1.5h", "2m"})
    void durationsAreAccepted(String value) {
        assertThat((String) send(Map.of("sustainFor", value)).get("spec", "sustainFor")).isEqualTo(value);
    }

    @Test
    void anEmptySpecGetsTheDesignsDefaultsFromTheServer() {
        GenericKubernetesResource kept = send(Map.of());
        assertThat(kept.get("spec", "warningPercent").toString()).isEqualTo("70");
        assertThat(kept.get("spec", "criticalPercent").toString()).isEqualTo("90");
        assertThat((String) kept.get("spec", "sustainFor")).isEqualTo("15s");
        assertThat(kept.get("spec", "overflowsPerMinute").toString()).isEqualTo("1");
        assertThat((Boolean) kept.get("spec", "nodeCondition")).isTrue();
        assertThat((Boolean) kept.get("spec", "events")).isTrue();
        refused(Map.of("overflowsPerMinute", -1), "overflowsPerMinute");
    }

    /** CEL (1.25+): checked as YAML here, see the class comment. */
    static boolean celAccepts(int warning, int critical) {
        ValidationRule rule = spec.getXKubernetesValidations().stream()
                .filter(r -> r.getRule().contains("warningPercent")).findFirst().orElseThrow();
        Matcher m = Pattern.compile("^self\\.(\\w+) < self\\.(\\w+)$").matcher(rule.getRule());
        assertThat(m.matches()).as("rule %s", rule.getRule()).isTrue();
        Map<String, Integer> self = Map.of("warningPercent", warning, "criticalPercent", critical);
        assertThat(rule.getMessage()).contains("less than");
        return self.get(m.group(1)) < self.get(m.group(2));
    }

    @Test
    void warningMustBeBelowCriticalByTheCelRule() {
        assertThat(celAccepts(90, 70)).isFalse();
        assertThat(celAccepts(80, 80)).isFalse();
        assertThat(celAccepts(70, 90)).isTrue();
    }

    @Test
    void portsOutsideOneTo65535AreRefusedByTheirCelRule() {
        ValidationRule rule = spec.getProperties().get("ports").getXKubernetesValidations().getFirst();
        assertThat(rule.getRule()).isEqualTo("self.all(p, p >= 1 && p <= 65535)");
    }

    @Test
    void everyFieldOfSpecAndStatusIsDescribedForKubectlExplain() throws Exception {
        // The chart's CRDs, which CrdSyncTest (crds module) keeps equal to the model's.
        for (CustomResourceDefinition crd : ChartInstall.crds()) {
            Map<String, JSONSchemaProps> top = crd.getSpec().getVersions().getFirst().getSchema().getOpenAPIV3Schema().getProperties();
            for (String part : new String[] {"spec", "status"}) {
                JSONSchemaProps props = top.get(part);
                if (props != null) {
                    assertDescribed(crd.getMetadata().getName() + " ." + part, props);
                }
            }
        }
    }

    /** Our own fields and their nested records; fabric8's LabelSelector and Condition carry the API's own schema. */
    private static void assertDescribed(String path, JSONSchemaProps props) {
        if (props.getProperties() == null) {
            return;
        }
        props.getProperties().forEach((name, child) -> {
            assertThat(child.getDescription()).as(path + "." + name).isNotBlank();
            if (!name.equals("podSelector") && !name.equals("conditions")) {
                assertDescribed(path + "." + name, child.getItems() != null && child.getItems().getSchema() != null
                        ? child.getItems().getSchema() : child);
            }
        });
    }
}
