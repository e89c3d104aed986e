package dev.backlogsentinel.operator;

import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.operator.admission.AdmissionRoute;
import dev.backlogsentinel.testing.ChartInstall;
import dev.backlogsentinel.testing.Identity;
import dev.backlogsentinel.testing.LoopbackCertificate;
import dev.backlogsentinel.testing.PackagedApp;
import dev.backlogsentinel.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * One node's agent token cannot touch another node's objects, or the operator's: the packaged
 * operator serves the admission check with a certificate in the chart's form, the API server calls it
 * through the chart's own ValidatingWebhookConfiguration (its rules, failure policies and selectors;
 * only the address is the test's: 127.0.0.1, as this server has no Service routing), and every
 * request is made with a token bound to an agent pod, the kind the kubelet mounts.
 */
class AgentAdmissionIT {

    static final String SA = ChartInstall.AGENT_SERVICE_ACCOUNT;

    @Test
    void anAgentsPodBoundTokenWritesOnlyItsOwnNodesReportAndLeaseAndNoOperatorLease() throws Exception {
        TestApiServer server = TestApiServer.shared();
        ChartInstall.Installed chart = ChartInstall.on(server);
        LoopbackCertificate cert = LoopbackCertificate.in(Files.createTempDirectory("admission"));
        int https = PackagedApp.freePort();
        try (KubernetesClient admin = server.admin();
                PackagedApp operator = PackagedApp.of("operator-admission", Path.of("target/quarkus-app/quarkus-run.jar"))
                        .kubeconfig(chart.operator().kubeconfig()).env(ChartInstall.OPERATOR_ENV)
                        .env("JAVA_TOOL_OPTIONS", chart.operatorJavaOpts())
                        .env("QUARKUS_HTTP_SSL_PORT", Integer.toString(https))
                        .env("QUARKUS_HTTP_SSL_CERTIFICATE_FILES", cert.certificate().toString())
                        .env("QUARKUS_HTTP_SSL_CERTIFICATE_KEY_FILES", cert.key().toString()).start()) {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(java.net.ConnectException.class).untilAsserted(() -> {
                assertThat(operator.isAlive()).as("operator exited; log:%n%s", operator.logText()).isTrue();
                assertThat(postEmpty(https)).as("the admission path answers over TLS").isEqualTo(400);
            });
            ValidatingWebhookConfiguration hook = chartWebhook(cert, https);
            admin.resource(hook).create();
            try {
                Pod a = agentPod(admin, "agent-a", "node-a");
                agentPod(admin, "agent-b", "node-b");
                KubernetesClient asA = boundTo(server, admin, a);
                report(admin, "node-b");
                lease(admin, ChartInstall.AGENT_NAMESPACE, "backlog-sentinel-agent-node-b");
                // The running operator's own leader-election Lease.
                String holder = await().atMost(Duration.ofSeconds(60)).until(() -> {
                    Lease l = admin.leases().inNamespace(ChartInstall.NAMESPACE).withName("backlog-sentinel-operator").get();
                    return l == null ? null : l.getSpec().getHolderIdentity();
                }, h -> h != null && !h.isBlank());

                // Its own node's: written.
                asA.resource(newReport("node-a")).create();
                asA.resources(NodeBacklogReport.class).resource(newReport("node-a")).subresource("status")
                        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"reader\":\"netlink\"}}");
                asA.resource(newLease(ChartInstall.AGENT_NAMESPACE, "backlog-sentinel-agent-node-a")).create();
                asA.leases().inNamespace(ChartInstall.AGENT_NAMESPACE).resource(newLease(ChartInstall.AGENT_NAMESPACE, "backlog-sentinel-agent-node-a"))
                        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"holderIdentity\":\"agent-a\"}}");

                // Another node's: refused at admission, saying whose and why.
                refused(() -> asA.resources(NodeBacklogReport.class).resource(newReport("node-b")).subresource("status")
                        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"reader\":\"forged\"}}"),
                        "the agent on node node-a (pod agent-a) may write only its own node's NodeBacklogReport node-a, "
                                + "not NodeBacklogReport node-b");
                refused(() -> asA.resource(newReport("node-c")).create(), "not NodeBacklogReport node-c");
                refused(() -> asA.leases().inNamespace(ChartInstall.AGENT_NAMESPACE).resource(newLease(ChartInstall.AGENT_NAMESPACE, "backlog-sentinel-agent-node-b"))
                                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"holderIdentity\":\"forged\"}}"),
                        "not Lease " + ChartInstall.AGENT_NAMESPACE + "/backlog-sentinel-agent-node-b");
                refused(() -> asA.resource(newLease(ChartInstall.AGENT_NAMESPACE, "backlog-sentinel-agent-node-c")).create(),
                        "not Lease " + ChartInstall.AGENT_NAMESPACE + "/backlog-sentinel-agent-node-c");
                assertThat(admin.resources(NodeBacklogReport.class).withName("node-b").get().getStatus()).isNull();
                assertThat(admin.resources(NodeBacklogReport.class).withName("node-c").get()).isNull();

                // The operator's leader Lease: no right at all in its namespace (RBAC, before admission).
                refused(() -> asA.leases().inNamespace(ChartInstall.NAMESPACE).resource(newLease(ChartInstall.NAMESPACE, "backlog-sentinel-operator"))
                                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"holderIdentity\":\"forged\"}}"),
                        "cannot patch resource \"leases\" in API group \"coordination.k8s.io\" in the namespace \"backlog-sentinel\"");
                refused(() -> asA.resource(newLease(ChartInstall.NAMESPACE, "forged")).create(), "cannot create resource \"leases\"");
                assertThat(admin.leases().inNamespace(ChartInstall.NAMESPACE).withName("backlog-sentinel-operator").get()
                        .getSpec().getHolderIdentity()).isEqualTo(holder);

                // The agent's ServiceAccount with a token bound to no pod: no node, so nothing.
                try (KubernetesClient unbound = chart.agent().client()) {
                    refused(() -> unbound.resources(NodeBacklogReport.class).resource(newReport("node-a")).subresource("status")
                            .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"reader\":\"procfs\"}}"), "names no pod");
                }
                // Anyone else is left to RBAC: the operator's annotation on any report.
                try (KubernetesClient op = chart.operator().client()) {
                    op.resources(NodeBacklogReport.class).resource(newReport("node-b"))
                            .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"annotations\":{\"test\":\"x\"}}}");
                }
                assertThat(operator.metrics())
                        .containsPattern("(?m)^backlog_operator_admission_reviews_total\\{allowed=\"false\",resource=\"nodebacklogreports\"\\} [3-9]")
                        .containsPattern("(?m)^backlog_operator_admission_reviews_total\\{allowed=\"false\",resource=\"leases\"\\} [2-9]");
            } finally {
                admin.resource(hook).delete();
            }
        }
    }

    /** The chart's webhook configuration, its address and CA made the test's. */
    static ValidatingWebhookConfiguration chartWebhook(LoopbackCertificate cert, int port) throws Exception {
        ValidatingWebhookConfiguration hook = ChartInstall.render(ChartInstall.chart()).stream()
                .filter(o -> o instanceof ValidatingWebhookConfiguration).map(o -> (ValidatingWebhookConfiguration) o)
                .findFirst().orElseThrow();
        String caBundle = cert.caBundle();
        for (var webhook : hook.getWebhooks()) {
            assertThat(webhook.getClientConfig().getService().getPath()).isEqualTo(AdmissionRoute.PATH);
            webhook.getClientConfig().setService(null);
            webhook.getClientConfig().setUrl("https://127.0.0.1:" + port + AdmissionRoute.PATH);
            webhook.getClientConfig().setCaBundle(caBundle);
        }
        return hook;
    }

    static Pod agentPod(KubernetesClient admin, String name, String node) {
        // No token volume: this server runs no token controller, and the test asks for the token itself.
        return admin.pods().inNamespace(ChartInstall.AGENT_NAMESPACE).resource(new PodBuilder().withNewMetadata().withName(name)
                .withNamespace(ChartInstall.AGENT_NAMESPACE).endMetadata().withNewSpec().withServiceAccountName(SA)
                .withAutomountServiceAccountToken(false).withNodeName(node).addNewContainer().withName("agent")
                .withImage("registry.example/agent:1").endContainer().endSpec().build()).create();
    }

    /** A client with a token bound to the pod, as the kubelet mounts one in it. */
    static KubernetesClient boundTo(TestApiServer server, KubernetesClient admin, Pod pod) throws Exception {
        String token = admin.serviceAccounts().inNamespace(ChartInstall.AGENT_NAMESPACE).withName(SA).tokenRequest(
                new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).withNewBoundObjectRef().withApiVersion("v1")
                        .withKind("Pod").withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid()).endBoundObjectRef()
                        .endSpec().build()).getStatus().getToken();
        Path kubeconfig = Files.createTempFile("agent-bound", ".kubeconfig");
        return new Identity(ChartInstall.AGENT_NAMESPACE, SA, server.url(), server.caCertificate(), token, kubeconfig).client();
    }

    static NodeBacklogReport newReport(String node) {
        NodeBacklogReport report = new NodeBacklogReport();
        report.getMetadata().setName(node);
        return report;
    }

    static void report(KubernetesClient admin, String node) {
        admin.resource(newReport(node)).create();
    }

    static Lease newLease(String namespace, String name) {
        return new LeaseBuilder().withNewMetadata().withNamespace(namespace).withName(name).endMetadata().withNewSpec()
                .withHolderIdentity("test").endSpec().build();
    }

    static void lease(KubernetesClient admin, String namespace, String name) {
        admin.resource(newLease(namespace, name)).create();
    }

    static void refused(ThrowingCallable write, String why) {
        assertThatThrownBy(write).isInstanceOfSatisfying(KubernetesClientException.class, e -> {
            assertThat(e.getCode()).as(e.getMessage()).isEqualTo(403);
            assertThat(e.getMessage()).contains(why);
        });
    }

    /** An empty POST to the admission path over TLS (its certificate is the test's own): the status. */
    static int postEmpty(int port) throws Exception {
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[] {new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] chain, String type) {
            }

            public void checkServerTrusted(X509Certificate[] chain, String type) {
            }

            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        HttpClient client = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(2)).build();
        return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + AdmissionRoute.PATH))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }
}
