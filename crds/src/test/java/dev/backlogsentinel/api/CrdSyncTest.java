package dev.backlogsentinel.api;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The committed crds/*.yaml are what the model generates: one source of truth, checked. */
class CrdSyncTest {

    static final Path GENERATED = Path.of(System.getProperty("generated.crds", "target/classes/META-INF/fabric8"));
    static final Path COMMITTED = Path.of(System.getProperty("committed.crds", "."));

    static String committedName(String generatedName) {
        return generatedName.replace("-v1.yml", ".yaml");
    }

    @Test
    void committedCrdsEqualWhatTheModelGenerates() throws Exception {
        boolean update = Boolean.getBoolean("crds.update");
        for (Map.Entry<String, Class<? extends io.fabric8.kubernetes.client.CustomResource<?, ?>>> e : CrdManifests.KINDS.entrySet()) {
            String expected = CrdManifests.manifest(Files.readString(GENERATED.resolve(e.getKey())), e.getValue());
            Path committed = COMMITTED.resolve(committedName(e.getKey()));
            if (update) {
                Files.writeString(committed, expected);
                // The chart installs the same CRDs; charts/ checks its copy is equal.
                Files.writeString(COMMITTED.resolve("../charts/backlog-sentinel/crds").resolve(committed.getFileName()), expected);
            }
            assertThat(committed).as("crds/%s is missing: run ./mvnw -pl crds test -Dcrds.update", committed.getFileName()).exists();
            assertThat(Files.readString(committed))
                    .as("crds/%s differs from the model: run ./mvnw -pl crds test -Dcrds.update and commit it", committed.getFileName())
                    .isEqualTo(expected);
        }
    }

    @Test
    void policyColumnsAreInTheOrderKubectlShouldPrint() throws Exception {
        CustomResourceDefinition crd = Serialization.unmarshal(
                Files.readString(COMMITTED.resolve("backlogpolicies.backlogsentinel.dev.yaml")), CustomResourceDefinition.class);
        assertThat(crd.getSpec().getVersions().getFirst().getAdditionalPrinterColumns())
                .extracting(c -> c.getName().toUpperCase())
                .containsExactly("WARNING", "CRITICAL", "MATCHED", "SATURATED", "READY", "AGE");
        assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("blp");
        assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
        assertThat(crd.getSpec().getVersions().getFirst().getSubresources().getStatus()).isNotNull();
    }

    @Test
    void reportIsClusterScopedWithStatusAndShortName() throws Exception {
        CustomResourceDefinition crd = Serialization.unmarshal(
                Files.readString(COMMITTED.resolve("nodebacklogreports.backlogsentinel.dev.yaml")), CustomResourceDefinition.class);
        assertThat(crd.getSpec().getScope()).isEqualTo("Cluster");
        assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("nbr");
        assertThat(crd.getSpec().getVersions().getFirst().getSubresources().getStatus()).isNotNull();
    }
}
