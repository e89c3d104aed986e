package dev.backlogsentinel.operator;

import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged operator as a developer runs it: `java -jar operator/target/quarkus-app/quarkus-run.jar`
 * outside any cluster, against the API server its KUBECONFIG names (here a mock one), in the prod
 * profile, so with leader election on.
 */
class OperatorOutsideClusterIT {

    /**
     * The CRUD mock stores objects but cannot review access: before leader election the operator SDK
     * asks the API server (SelfSubjectRulesReview) whether it may use Leases. This answers as a real
     * server would for the operator's RBAC; everything else is plain CRUD.
     */
    static final class ReviewingCrudDispatcher extends KubernetesCrudDispatcher {
        @Override
        public MockResponse handleCreate(RecordedRequest request) {
            if (request.getPath().contains("/selfsubjectrulesreviews")) {
                return new MockResponse().setResponseCode(201).setBody("""
                        {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview",
                         "status": {"incomplete": false, "nonResourceRules": [],
                                    "resourceRules": [{"apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
                                                       "verbs": ["create", "get", "list", "update", "watch"]}]}}
                        """);
            }
            return super.handleCreate(request);
        }
    }

    @Test
    void runsAgainstTheApiServerItsKubeconfigNamesWithLeaderElection() throws Exception {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new ReviewingCrudDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        Path kubeconfig = Files.createTempFile("kubeconfig", ".yaml");
        Path log = Files.createTempFile("operator", ".log");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters: [{name: dev, cluster: {server: "http://127.0.0.1:%d"}}]
                users: [{name: dev, user: {token: developer}}]
                contexts: [{name: dev, context: {cluster: dev, user: dev, namespace: default}}]
                current-context: dev
                """.formatted(server.getPort()));
        Process operator = null;
        try (KubernetesClient client = server.createClient()) {
            Cluster cluster = new Cluster(client);
            cluster.installCrds();
            cluster.node("dev-1");
            String uid = cluster.pod("shop", "web-0");
            cluster.policy("shop", "web", spec -> { });
            cluster.lease("dev-1", Instant.now().plusSeconds(600));
            cluster.report("dev-1", "2026-11-21T10:00:00Z", List.of(),
                    List.of(Cluster.saturated("web", "shop", "web-0", uid, 8080, 17, 16, "backlog", "2026-11-21T10:00:00Z", 13)));

            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dquarkus.http.port=0", "-jar", Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath().toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("KUBECONFIG", kubeconfig.toString());
            pb.environment().remove("POD_NAMESPACE");
            operator = pb.start();
            Process running = operator;

            await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                assertThat(running.isAlive()).as("operator exited; log:%n%s", Files.readString(log)).isTrue();
                NodeCondition c = cluster.pressure("dev-1");
                assertThat(c).as("log:%n%s", Files.readString(log)).isNotNull();
                assertThat(c.getStatus()).isEqualTo("True");
                assertThat(c.getMessage()).contains("shop/web-0 port 8080").contains("17/16");
            });
            Lease leader = client.leases().inNamespace("backlog-sentinel").withName("backlog-sentinel-operator").get();
            assertThat(leader).as("leader election Lease in the default namespace backlog-sentinel").isNotNull();
            assertThat(leader.getSpec().getHolderIdentity()).isNotBlank();
        } finally {
            if (operator != null && operator.isAlive()) {
                operator.destroy();
                boolean stopped = operator.waitFor(20, TimeUnit.SECONDS);
                if (!stopped) {
                    // What it was waiting for, for whoever reads the failure.
                    new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jstack").toString(),
                            Long.toString(operator.pid())).redirectErrorStream(true)
                            .redirectOutput(Path.of("target/operator-jstack.txt").toFile()).start().waitFor(20, TimeUnit.SECONDS);
                    operator.destroyForcibly();
                }
                assertThat(stopped).as("stops on SIGTERM within 20 s").isTrue();
            }
            server.destroy();
            Files.deleteIfExists(kubeconfig);
        }
    }
}
