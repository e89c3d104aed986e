package dev.backlogsentinel.agent.cluster;

import dev.backlogsentinel.testing.ChartInstall;
import dev.backlogsentinel.agent.NetnsFixture;
import dev.backlogsentinel.agent.RootRequired;
import dev.backlogsentinel.agent.kernel.Family;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.testing.PackagedApp;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

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
        PackagedApp agent = null;
        try (Stage stage = new Stage(); NetnsFixture netns = NetnsFixture.create()) {
            netns.fill(Family.IPv4, 7117, 16, 30);
            agent = PackagedApp.of("agent", Path.of("target/quarkus-app/quarkus-run.jar"))
                    .kubeconfig(stage.chart().agent().kubeconfig()).env(ChartInstall.AGENT_ENV).env("NODE_NAME", "dev-node")
                    .env("JAVA_TOOL_OPTIONS", stage.chart().agentJavaOpts()).start();
            PackagedApp running = agent;
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(running.isAlive()).as("agent exited; log:%n%s", running.logText()).isTrue();
                assertThat(stage.agentLease("dev-node")).as("log:%n%s", running.logText()).isNotNull();
                NodeBacklogReport report = stage.report("dev-node");
                assertThat(report).isNotNull();
                assertThat(report.getStatus()).isNotNull();
                assertThat(report.getStatus().getReader()).isEqualTo("netlink");
                assertThat(report.getStatus().getTotals().getNamespaces()).as("the host's and the test's namespace at least")
                        .isGreaterThanOrEqualTo(2);
            });
            // What it scanned is the machine's: the test namespace's full queue, in its metrics.
            String metrics = agent.metrics();
            assertThat(metrics.lines().filter(l -> l.startsWith("backlog_listen_queue_depth{") && l.contains("port=\"7117\"")
                    && l.endsWith(" 17.0"))).hasSize(1);
            assertThat(agent.logText()).as("no request was refused").doesNotContain("Forbidden").doesNotContain("forbidden");
        } finally {
            if (agent != null) {
                assertThat(agent.stop()).as("stops on SIGTERM within 20 s").isTrue();
            }
        }
    }
}
