package dev.backlogsentinel.testing;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.time.LocalTime;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The harness itself: a real server, RBAC on, the chart's identities judged by it. */
class TestApiServerTest {

    @Test
    void servesTheChartsIdentitiesUnderRealRbac() {
        TestApiServer server = TestApiServer.shared();
        ChartInstall.Installed chart = ChartInstall.on(server);
        assertThat(server.kubectl("version", "--short")).contains("Server Version: v" + TestApiServer.version());
        try (KubernetesClient agent = chart.agent().client()) {
            assertThat(agent.pods().inAnyNamespace().list().getItems()).isNotNull();
            assertThatThrownBy(() -> agent.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("nope")
                    .endMetadata().build()).create())
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
        }
        assertThat(server.kubectl("auth", "can-i", "patch", "nodes", "--subresource=status", "--as", chart.operator().user()).strip())
                .isEqualTo("yes");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theAppsJvmOptionsAreTheOnesTheChartsValuesGiveTheirPods() throws Exception {
        ChartInstall.Installed chart = ChartInstall.on(TestApiServer.shared());
        Map<String, Object> values = Serialization.unmarshal(Files.readString(ChartInstall.chart().resolve("values.yaml")), Map.class);
        assertThat(chart.agentJavaOpts()).isEqualTo(((Map<String, Object>) values.get("agent")).get("javaOpts")).isNotBlank();
        assertThat(chart.operatorJavaOpts()).isEqualTo(((Map<String, Object>) values.get("operator")).get("javaOpts")).isNotBlank();
    }

    @Test
    void aStartWhoseReadinessDeadlineWouldPassMidnightWaitsForIt() {
        assertThat(TestApiServer.waitBeforeStart(LocalTime.NOON)).isZero();
        assertThat(TestApiServer.waitBeforeStart(LocalTime.of(23, 57, 59))).as("deadline 23:59:59, still today").isZero();
        assertThat(TestApiServer.waitBeforeStart(LocalTime.of(23, 59, 0))).as("to midnight, and a second").isBetween(Duration.ofSeconds(60), Duration.ofSeconds(61));
        assertThat(TestApiServer.waitBeforeStart(LocalTime.of(23, 58, 1))).isGreaterThan(Duration.ofSeconds(119));
    }
}
