package dev.backlogsentinel.operator;

import dev.backlogsentinel.testing.Cluster;
import dev.backlogsentinel.api.report.PolicyCount;
import dev.backlogsentinel.testing.ChartInstall;
import dev.backlogsentinel.testing.PackagedApp;
import dev.backlogsentinel.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged operator as a developer runs it: `java -jar operator/target/quarkus-app/quarkus-run.jar`
 * outside any cluster, against the real API server its KUBECONFIG names, as the chart's operator
 * ServiceAccount, in the prod profile, so with leader election on.
 */
class OperatorOutsideClusterIT {

    @Test
    void runsAgainstTheApiServerItsKubeconfigNamesWithLeaderElectionAndItsChartRights() throws Exception {
        TestApiServer server = TestApiServer.shared();
        ChartInstall.Installed chart = ChartInstall.on(server);
        PackagedApp operator = null;
        try (KubernetesClient admin = server.admin()) {
            Cluster cluster = new Cluster(admin);
            cluster.node("dev-1");
            String uid = cluster.pod("outside", "web-0");
            cluster.policy("outside", "web", spec -> { });
            cluster.lease("dev-1", Instant.now().plusSeconds(600));
            cluster.report("dev-1", "2026-11-21T10:00:00Z", List.of(new PolicyCount("outside", "web", 1, 1, 0, 1)),
                    List.of(Cluster.saturated("web", "outside", "web-0", uid, 8080, 17, 16, "backlog", "2026-11-21T10:00:00Z", 13)));

            operator = PackagedApp.of("operator", Path.of("target/quarkus-app/quarkus-run.jar"))
                    .kubeconfig(chart.operator().kubeconfig()).env(ChartInstall.OPERATOR_ENV)
                    .env("JAVA_TOOL_OPTIONS", chart.operatorJavaOpts()).start();
            PackagedApp running = operator;

            await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                assertThat(running.isAlive()).as("operator exited; log:%n%s", running.logText()).isTrue();
                NodeCondition c = cluster.pressure("dev-1");
                assertThat(c).as("log:%n%s", running.logText()).isNotNull();
                assertThat(c.getStatus()).isEqualTo("True");
                assertThat(c.getMessage()).contains("outside/web-0 port 8080 (0.0.0.0), limit 16");
                assertThat(cluster.events("outside", "web-0", "ListenQueueSaturated")).hasSize(1);
                assertThat(cluster.policy("outside", "web").getStatus()).as("policy-status reconciles too").isNotNull();
                assertThat(cluster.policy("outside", "web").getStatus().getSaturated()).isEqualTo(1);
            });
            Lease leader = admin.leases().inNamespace("backlog-sentinel").withName("backlog-sentinel-operator").get();
            assertThat(leader).as("leader election Lease in the default namespace backlog-sentinel").isNotNull();
            assertThat(leader.getSpec().getHolderIdentity()).isNotBlank();
            assertThat(operator.metrics()).as("the policy's status patch is counted")
                    .containsPattern("(?m)^backlog_operator_policy_status_patches_total [1-9]");
            assertThat(operator.logText()).as("no reconcile failed, no request was forbidden")
                    .doesNotContain("Forbidden").doesNotContain("Error during event processing").doesNotContain("Failure executing");

            // A leader that stops gives the Lease up, so the other replica need not wait out its 15 s.
            String holder = leader.getSpec().getHolderIdentity();
            PackagedApp stopped = operator;
            operator = null;
            assertThat(stopped.stop()).as("stops on SIGTERM within 20 s").isTrue();
            Lease released = admin.leases().inNamespace("backlog-sentinel").withName("backlog-sentinel-operator").get();
            assertThat(released.getSpec().getHolderIdentity()).as("released by %s on shutdown; log:%n%s", holder, stopped.logText()).isNull();
            assertThat(released.getSpec().getLeaseDurationSeconds()).isEqualTo(1);
            assertThat(released.getSpec().getLeaseTransitions()).isEqualTo(leader.getSpec().getLeaseTransitions());
        } finally {
            if (operator != null) {
                // A hang leaves target/operator-jstack.txt, what it was waiting for.
                assertThat(operator.stop()).as("stops on SIGTERM within 20 s").isTrue();
            }
        }
    }
}
