package dev.backlogsentinel.charts;

import dev.backlogsentinel.charts.PodSecurityStandards.Level;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rendered pods against the PodSecurity levels their namespaces are labelled for (README's
 * install: the release namespace restricted; the chart's agent namespace privileged). The tests' API
 * server (1.20) has no PodSecurity admission, so the pods are checked against the levels' documented
 * rules ({@link PodSecurityStandards}).
 */
class PodSecurityTest {

    static final Rendered DEFAULTS = Rendered.with(Map.of());

    @Test
    void theOperatorsPodMeetsRestricted() {
        PodTemplateSpec pod = DEFAULTS.operator().getSpec().getTemplate();
        assertThat(PodSecurityStandards.violations(pod.getSpec(), annotations(pod), Level.RESTRICTED)).isEmpty();
    }

    @Test
    void theAgentsPodNeedsPrivilegedForItsHostNamespacesAndCapabilitiesOnly() {
        PodTemplateSpec pod = DEFAULTS.agent().getSpec().getTemplate();
        assertThat(PodSecurityStandards.violations(pod.getSpec(), annotations(pod), Level.BASELINE)).containsExactly(
                "host namespaces (hostNetwork, hostPID)",
                "capabilities (agent: SYS_PTRACE, SYS_ADMIN, DAC_READ_SEARCH)",
                "host ports (agent: 9464)");
        // With the procfs reader it adds no capability: only the host namespaces (and the port they imply) remain.
        PodTemplateSpec procfs = Rendered.with(Map.of("agent.reader", "procfs")).agent().getSpec().getTemplate();
        assertThat(PodSecurityStandards.violations(procfs.getSpec(), annotations(procfs), Level.BASELINE))
                .containsExactly("host namespaces (hostNetwork, hostPID)", "host ports (agent: 9464)");
    }

    @Test
    void theAgentRunsInANamespaceOfItsOwnLabelledPrivilegedApartFromTheOperator() {
        List<Namespace> namespaces = DEFAULTS.all(Namespace.class);
        assertThat(namespaces).singleElement().satisfies(ns -> {
            assertThat(ns.getMetadata().getName()).isEqualTo(Rendered.NAMESPACE + "-agent");
            assertThat(ns.getMetadata().getLabels()).containsEntry("pod-security.kubernetes.io/enforce", "privileged");
        });
        assertThat(DEFAULTS.agent().getMetadata().getNamespace()).isEqualTo(Rendered.NAMESPACE + "-agent");
        assertThat(Objects.requireNonNullElse(DEFAULTS.operator().getMetadata().getNamespace(), Rendered.NAMESPACE))
                .isEqualTo(Rendered.NAMESPACE);
        assertThat(Rendered.with(Map.of("agent.namespace.create", "false", "agent.namespace.name", "node-agents")).all(Namespace.class))
                .as("a namespace of the user's").isEmpty();
    }

    @Test
    void theChecksCatchWhatEachLevelForbids() {
        // The checker itself can fail: the operator's pod made root and privileged breaks both levels.
        PodTemplateSpec pod = Rendered.with(Map.of()).operator().getSpec().getTemplate();
        pod.getSpec().getSecurityContext().setRunAsNonRoot(false);
        pod.getSpec().getContainers().getFirst().getSecurityContext().setPrivileged(true);
        assertThat(PodSecurityStandards.violations(pod.getSpec(), annotations(pod), Level.BASELINE)).containsExactly("privileged (operator)");
        assertThat(PodSecurityStandards.violations(pod.getSpec(), annotations(pod), Level.RESTRICTED))
                .contains("privileged (operator)", "runAsNonRoot != true (operator)");
    }

    static Map<String, String> annotations(PodTemplateSpec pod) {
        return pod.getMetadata() == null || pod.getMetadata().getAnnotations() == null ? Map.of() : pod.getMetadata().getAnnotations();
    }
}
