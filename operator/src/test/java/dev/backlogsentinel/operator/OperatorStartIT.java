package dev.backlogsentinel.operator;

import dev.backlogsentinel.testing.Cluster;
import dev.backlogsentinel.api.report.PolicyCount;
import dev.backlogsentinel.testing.ApiServerProxy;
import dev.backlogsentinel.testing.ChartInstall;
import dev.backlogsentinel.testing.PackagedApp;
import dev.backlogsentinel.testing.TestApiServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged operator started while its API server is away (behind a proxy that refuses every
 * connection), as after it lost its leadership in an outage: it must exit, so that the kubelet
 * starts it again, and not stay alive doing nothing; started again once the server is back, it
 * works.
 */
class OperatorStartIT {

    @Test
    void anOperatorThatCannotStartExitsAndOneStartedAgainWorks() throws Exception {
        TestApiServer server = TestApiServer.shared();
        ChartInstall.Installed chart = ChartInstall.on(server);
        try (ApiServerProxy proxy = new ApiServerProxy(server.port()); KubernetesClient admin = server.admin()) {
            Path kubeconfig = chart.operator().kubeconfigFor(proxy.url(), "start-test");
            proxy.cut();
            PackagedApp first = PackagedApp.of("operator-away", Path.of("target/quarkus-app/quarkus-run.jar")).kubeconfig(kubeconfig)
                    .env(ChartInstall.OPERATOR_ENV).env("JAVA_TOOL_OPTIONS", chart.operatorJavaOpts()).start();
            try {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> !first.isAlive());
                assertThat(first.exitValue()).as("log:%n%s", first.logText()).isEqualTo(1);
                assertThat(first.logText()).contains("the operator could not start");
            } finally {
                first.close();
            }

            proxy.restore();
            Cluster cluster = new Cluster(admin);
            cluster.node("start-1");
            String uid = cluster.pod("restart", "web-0");
            cluster.policy("restart", "web", spec -> { });
            cluster.lease("start-1", Instant.now().plusSeconds(600));
            cluster.report("start-1", "2026-11-21T10:00:00Z", List.of(new PolicyCount("restart", "web", 1, 1, 0, 1)),
                    List.of(Cluster.saturated("web", "restart", "web-0", uid, 8080, 17, 16, "backlog", "2026-11-21T10:00:00Z", 13)));
            PackagedApp again = PackagedApp.of("operator-again", Path.of("target/quarkus-app/quarkus-run.jar")).kubeconfig(kubeconfig)
                    .env(ChartInstall.OPERATOR_ENV).env("JAVA_TOOL_OPTIONS", chart.operatorJavaOpts()).start();
            try {
                await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                    assertThat(again.isAlive()).as("log:%n%s", again.logText()).isTrue();
                    assertThat(cluster.pressure("start-1")).isNotNull().satisfies(c -> assertThat(c.getStatus()).isEqualTo("True"));
                });
            } finally {
                again.close();
            }
        }
    }
}
