package dev.backlogsentinel.agent.cluster;

import dev.backlogsentinel.agent.RootRequired;
import dev.backlogsentinel.testing.ChartInstall;
import dev.backlogsentinel.testing.Identity;
import dev.backlogsentinel.testing.MetricsReader;
import dev.backlogsentinel.testing.PackagedApp;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged agent with metrics authentication on, as the chart runs it: /q/metrics refuses a
 * scrape without a token (401), with a token the API server does not know (401) and with a known
 * user who may not get /metrics (403), and serves Prometheus's ServiceAccount once it is bound to the
 * chart's metrics-reader ClusterRole. Health stays open for the kubelet's probes.
 */
@RootRequired
class MetricsAccessIT {

    @Test
    void onlyAScraperAllowedToGetMetricsIsServed() throws Exception {
        try (Stage stage = new Stage();
                PackagedApp agent = PackagedApp.of("agent-metrics-auth", Path.of("target/quarkus-app/quarkus-run.jar"))
                        .kubeconfig(stage.chart().agent().kubeconfig()).env(ChartInstall.AGENT_ENV).env("NODE_NAME", "metrics-node")
                        .env("BACKLOG_AGENT_METRICS_AUTH", "true").env("JAVA_TOOL_OPTIONS", stage.chart().agentJavaOpts()).start()) {
            String prometheus = MetricsReader.token(stage.admin, "monitoring", "prometheus", ChartInstall.RELEASE);
            Identity nobody = ChartInstall.identity(stage.server, stage.admin, "nobody");

            await().atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(java.net.ConnectException.class).untilAsserted(() -> {
                assertThat(agent.isAlive()).as("agent exited; log:%n%s", agent.logText()).isTrue();
                assertThat(agent.get("/q/health/ready", null).statusCode()).as("health needs no token").isEqualTo(200);
            });
            HttpResponse<String> none = agent.get("/q/metrics", null);
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.body()).contains("need a bearer token").doesNotContain("backlog_");
            HttpResponse<String> unknown = agent.get("/q/metrics", "not-a-token");
            assertThat(unknown.statusCode()).isEqualTo(401);
            assertThat(unknown.body()).contains("the API server does not know this token");
            HttpResponse<String> unauthorized = agent.get("/q/metrics", nobody.token());
            assertThat(unauthorized.statusCode()).isEqualTo(403);
            assertThat(unauthorized.body()).contains(nobody.user() + " may not get /metrics").doesNotContain("backlog_");
            HttpResponse<String> served = agent.get("/q/metrics", prometheus);
            assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
            assertThat(served.body()).contains("backlog_last_scan_completed_timestamp_seconds");
            assertThat(agent.logText()).as("the agent's own reviews were allowed by the chart").doesNotContain("forbidden");
        }
    }
}
