package dev.backlogsentinel.agent.cluster;

import dev.backlogsentinel.agent.NetnsFixture;
import dev.backlogsentinel.agent.RootRequired;
import dev.backlogsentinel.agent.kernel.Family;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged agent outside a cluster, against the real API server its KUBECONFIG names, as the
 * chart's agent ServiceAccount, with NODE_NAME: it renews its Lease and writes its node's report,
 * and what it reads of this machine includes a namespace made for the test.
 */
@RootRequired
class ClusterModeIT {

    @Test
    void runsAgainstTheApiServerItsKubeconfigNamesWithItsChartRights() throws Exception {
        Path log = Files.createTempFile("agent", ".log");
        Process agent = null;
        try (Stage stage = new Stage(); NetnsFixture netns = NetnsFixture.create()) {
            netns.fill(Family.IPv4, 7117, 16, 30);
            int port;
            try (ServerSocket free = new ServerSocket(0)) {
                port = free.getLocalPort();
            }
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dquarkus.http.port=" + port, "-jar", Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath().toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("KUBECONFIG", stage.chart().agent().kubeconfig().toString());
            pb.environment().put("NODE_NAME", "dev-node");
            pb.environment().remove("POD_NAMESPACE");
            agent = pb.start();
            Process running = agent;
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(running.isAlive()).as("agent exited; log:%n%s", Files.readString(log)).isTrue();
                assertThat(stage.agentLease("dev-node")).as("log:%n%s", Files.readString(log)).isNotNull();
                NodeBacklogReport report = stage.report("dev-node");
                assertThat(report).isNotNull();
                assertThat(report.getStatus()).isNotNull();
                assertThat(report.getStatus().getReader()).isEqualTo("netlink");
                assertThat(report.getStatus().getTotals().getNamespaces()).as("the host's and the test's namespace at least")
                        .isGreaterThanOrEqualTo(2);
            });
            // What it scanned is the machine's: the test namespace's full queue, in its metrics.
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics.lines().filter(l -> l.startsWith("backlog_listen_queue_depth{") && l.contains("port=\"7117\"")
                    && l.endsWith(" 17.0"))).hasSize(1);
            assertThat(Files.readString(log)).as("no request was refused").doesNotContain("Forbidden").doesNotContain("forbidden");
        } finally {
            if (agent != null && agent.isAlive()) {
                agent.destroy();
                boolean stopped = agent.waitFor(20, TimeUnit.SECONDS);
                if (!stopped) {
                    agent.destroyForcibly();
                }
                assertThat(stopped).as("stops on SIGTERM within 20 s").isTrue();
            }
        }
    }
}
