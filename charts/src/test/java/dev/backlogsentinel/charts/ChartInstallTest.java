package dev.backlogsentinel.charts;

import dev.backlogsentinel.testing.ChartInstall;
import dev.backlogsentinel.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every cluster test installs from this chart (testing's ChartInstall): the chart's
 * identities on a real server under real RBAC, and the JVM options its pods give the two apps.
 * Here rather than in the testing module, so that no module waits on a server start before it
 * can build.
 */
class ChartInstallTest {

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
}
