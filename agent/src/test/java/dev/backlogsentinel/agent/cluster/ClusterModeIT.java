package dev.backlogsentinel.agent.cluster;

import dev.backlogsentinel.agent.RootRequired;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged agent outside a cluster, against the API server KUBECONFIG names, with NODE_NAME:
 * it renews its Lease and writes its node's report.
 */
@RootRequired
class ClusterModeIT {

    @Test
    void runsAgainstTheApiServerItsKubeconfigNames() throws Exception {
        KubernetesMockServer server = ClusterAgentOutageTest.serve(new KubernetesCrudDispatcher(), 0);
        Path kubeconfig = Files.createTempFile("kubeconfig", ".yaml");
        Path log = Files.createTempFile("agent", ".log");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters: [{name: dev, cluster: {server: "http://127.0.0.1:%d"}}]
                users: [{name: dev, user: {token: developer}}]
                contexts: [{name: dev, context: {cluster: dev, user: dev, namespace: default}}]
                current-context: dev
                """.formatted(server.getPort()));
        Process agent = null;
        try (KubernetesClient client = server.createClient()) {
            ReportWriterTest.installCrds(client);
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dquarkus.http.port=0", "-jar", Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath().toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("KUBECONFIG", kubeconfig.toString());
            pb.environment().put("NODE_NAME", "dev-node");
            pb.environment().remove("POD_NAMESPACE");
            agent = pb.start();
            Process running = agent;
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(running.isAlive()).as("agent exited; log:%n%s", Files.readString(log)).isTrue();
                assertThat(client.leases().inNamespace("backlog-sentinel").withName("backlog-sentinel-agent-dev-node").get())
                        .as("log:%n%s", Files.readString(log)).isNotNull();
                NodeBacklogReport report = client.resources(NodeBacklogReport.class).withName("dev-node").get();
                assertThat(report).isNotNull();
                assertThat(report.getStatus()).isNotNull();
                assertThat(report.getStatus().getReader()).isEqualTo("netlink");
                assertThat(report.getStatus().getTotals().getListeners()).isPositive();
            });
        } finally {
            if (agent != null && agent.isAlive()) {
                agent.destroy();
                boolean stopped = agent.waitFor(20, TimeUnit.SECONDS);
                if (!stopped) {
                    agent.destroyForcibly();
                }
                assertThat(stopped).as("stops on SIGTERM within 20 s").isTrue();
            }
            server.destroy();
            Files.deleteIfExists(kubeconfig);
        }
    }
}
