package dev.backlogsentinel.api;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LabelsTest {

    /** What Kubernetes accepts as a label value. */
    static final String LABEL_VALUE = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";

    @Test
    void aNodeNameThatFitsIsItsOwnLabel() {
        String name = "ip-10-0-12-34.eu-west-1.compute.internal";
        assertThat(Labels.ofNode(name)).containsExactly(java.util.Map.entry(Vocabulary.NODE_LABEL, name));
        assertThat(Labels.value("n".repeat(63))).isEqualTo("n".repeat(63));
    }

    @Test
    void aSeventyCharacterNodeNameGivesOneValidLabelThatNoOtherNameShares() {
        String prefix = "node-pool-with-a-very-long-name-in-a-big-cluster.";
        String name = prefix + "a".repeat(70 - prefix.length());
        String other = prefix + "b".repeat(70 - prefix.length());
        assertThat(name).hasSize(70);

        String value = Labels.ofNode(name).get(Vocabulary.NODE_LABEL);
        assertThat(value).hasSize(63).matches(LABEL_VALUE)
                .isEqualTo(name.substring(0, 46) + "-" + Labels.sha256(name).substring(0, 16));
        assertThat(Labels.value(name)).as("the same on every call, so agent and operator agree").isEqualTo(value);
        assertThat(Labels.value(other)).as("two long names with one prefix").isNotEqualTo(value).hasSize(63);
    }
}
