package dev.backlogsentinel.testing;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.Test;

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
}
