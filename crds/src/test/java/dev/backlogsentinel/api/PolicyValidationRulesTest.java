package dev.backlogsentinel.api;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.Serialization;
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

/**
 * A real API server refuses invalid policies from the committed CRD's schema; the test server does
 * not validate, so this reads the YAML and checks each rule against the inputs it must refuse.
 */
class PolicyValidationRulesTest {

    static JSONSchemaProps spec;

    @BeforeAll
    static void load() throws Exception {
        CustomResourceDefinition crd = Serialization.unmarshal(Files.readString(
                Path.of(System.getProperty("committed.crds", ".")).resolve("backlogpolicies.backlogsentinel.dev.yaml")),
                CustomResourceDefinition.class);
        spec = crd.getSpec().getVersions().getFirst().getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    }

    static boolean withinRange(String field, int value) {
        JSONSchemaProps p = spec.getProperties().get(field);
        return value >= p.getMinimum() && (p.getMaximum() == null || value <= p.getMaximum());
    }

    @ParameterizedTest
    @CsvSource({"warningPercent, 0", "warningPercent, 150", "criticalPercent, 0", "criticalPercent, 150", "warningPercent, -5"})
    void percentOutsideOneToHundredIsRefused(String field, int value) {
        assertThat(withinRange(field, value)).isFalse();
    }

    @ParameterizedTest
    @CsvSource({"warningPercent, 1", "criticalPercent, 100", "warningPercent, 70"})
    void percentInsideTheRangeIsAccepted(String field, int value) {
        assertThat(withinRange(field, value)).isTrue();
        assertThat(spec.getProperties().get(field).getType()).isEqualTo("integer");
    }

    /** The CEL rule on spec, evaluated for the one comparison it states. */
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
    void warningMustBeBelowCritical() {
        assertThat(celAccepts(90, 70)).isFalse();
        assertThat(celAccepts(80, 80)).isFalse();
        assertThat(celAccepts(70, 90)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"soon", "15", "s", "15 s", "-1s", "1d", ""})
    void sustainForThatIsNotADurationIsRefused(String value) {
        assertThat(value.matches(spec.getProperties().get("sustainFor").getPattern())).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"15s", "0s", "0", "500ms", "1m30s", "1.5h", "2m"})
    void durationsAreAccepted(String value) {
        assertThat(value.matches(spec.getProperties().get("sustainFor").getPattern())).isTrue();
    }

    @Test
    void defaultsAreThoseOfTheDesign() {
        Map<String, JSONSchemaProps> p = spec.getProperties();
        assertThat(p.get("warningPercent").getDefault().asInt()).isEqualTo(70);
        assertThat(p.get("criticalPercent").getDefault().asInt()).isEqualTo(90);
        assertThat(p.get("sustainFor").getDefault().asText()).isEqualTo("15s");
        assertThat(p.get("overflowsPerMinute").getDefault().asInt()).isEqualTo(1);
        assertThat(p.get("overflowsPerMinute").getMinimum()).isEqualTo(0.0);
        assertThat(p.get("nodeCondition").getDefault().asBoolean()).isTrue();
        assertThat(p.get("events").getDefault().asBoolean()).isTrue();
    }

    @Test
    void portsOutsideOneTo65535AreRefusedByTheirRule() {
        ValidationRule rule = spec.getProperties().get("ports").getXKubernetesValidations().getFirst();
        assertThat(rule.getRule()).isEqualTo("self.all(p, p >= 1 && p <= 65535)");
    }

    @Test
    void everyFieldOfSpecAndStatusIsDescribedForKubectlExplain() throws Exception {
        for (String file : CrdManifests.KINDS.keySet()) {
            CustomResourceDefinition crd = Serialization.unmarshal(Files.readString(Path.of(System.getProperty("committed.crds", "."))
                    .resolve(file.replace("-v1.yml", ".yaml"))), CustomResourceDefinition.class);
            Map<String, JSONSchemaProps> top = crd.getSpec().getVersions().getFirst().getSchema().getOpenAPIV3Schema().getProperties();
            for (String part : new String[] {"spec", "status"}) {
                JSONSchemaProps props = top.get(part);
                if (props != null) {
                    assertDescribed(file + " ." + part, props);
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
