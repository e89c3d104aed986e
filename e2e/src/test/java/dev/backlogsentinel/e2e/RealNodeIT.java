package dev.backlogsentinel.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.marcnuri.helm.Helm;
import dev.backlogsentinel.e2e.workload.SlowServer;
import dev.backlogsentinel.testing.TestNode;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The user's path on a real node: a kubelet and containerd (bin/test-node) start the chart's pods
 * from images built here, installed with `helm install` exactly as the README writes it, only the
 * images overridden. A non-root server in a Deployment of its own listens with listen(16), and is
 * flooded from inside its pod; what is asserted is what `kubectl describe`, `kubectl get` and the
 * kubelet show. Then the drain, the somaxconn advice followed as written, the leader replica
 * deleted, a `helm upgrade` and a `helm uninstall`.
 *
 * <p>The steps run in order on one node and one release, each needing the ones before. The figures
 * (node up, install to Ready, queue full to event, leader loss to event, the kubelet's view of the
 * agent pod) are printed and written to target/real-node-figures.txt; they are measured, not asserted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealNodeIT {

    static final String NODE = TestNode.NODE;
    static final String WORKLOAD_IMAGE = "localhost/backlog-sentinel/slow-server:test";
    static final String AGENT_REPOSITORY = "localhost/backlog-sentinel/agent";
    static final String OPERATOR_REPOSITORY = "localhost/backlog-sentinel/operator";
    static final String IMAGE_TAG = "test";
    static final Duration WAIT = Duration.ofSeconds(120);
    /** The policy status trails what it counts by at most its 10 s interval, and a kubectl call. */
    static final Duration POLICY_STATUS = Duration.ofSeconds(30);
    /** The flood: more connection attempts than a listen(16) queue holds (17). */
    static final int FLOOD = 30;

    private final Map<String, String> figures = new LinkedHashMap<>();
    private ReadmeSteps readme;
    private Path chart;
    private TestNode node;
    private KubernetesClient admin;
    /** Prometheus's token, allowed to scrape the agent (agent.metricsAuth is on in the chart). */
    private String scraper;

    @BeforeAll
    void nodeUp() throws Exception {
        assertThat(System.getProperty("user.name")).as("root: a node needs namespaces, mounts and cgroups").isEqualTo("root");
        Path root = TestNode.repositoryRoot();
        readme = ReadmeSteps.read(root.resolve("README.md"));
        chart = root.resolve(readme.chart());
        Path agent = root.resolve("target/images/agent.tar");
        Path operator = root.resolve("target/images/operator.tar");
        for (Path image : List.of(agent, operator)) {
            assertThat(image).as("the image built by the Quarkus Jib extension: build with -Dtest.base-image=$(bin/base-image.sh) "
                    + "(./run-tests does)").isRegularFile();
        }
        Path workload = workloadImage();
        node = TestNode.up(List.of(agent, operator, workload));
        admin = node.admin();
        figure("node up (bin/test-node up, images imported)", node.upTime());
    }

    /** The slow server's image: its classes on the same base, built with Jib's own API as a tarball. */
    static Path workloadImage() throws Exception {
        Path base = TestNode.baseImage();
        Path classes = Path.of("target/test-classes").toAbsolutePath();
        Path pkg = classes.resolve(SlowServer.class.getPackageName().replace('.', '/'));
        Path out = Path.of("target/images/slow-server.tar").toAbsolutePath();
        Files.createDirectories(out.getParent());
        Jib.from("tar://" + base)
                .addLayer(List.of(pkg), AbsoluteUnixPath.get("/app/classes").resolve(classes.relativize(pkg.getParent()).toString()))
                .setEntrypoint("java", "-cp", "/app/classes", SlowServer.class.getName())
                .containerize(Containerizer.to(TarImage.at(out).named(WORKLOAD_IMAGE)).setOfflineMode(true).setToolName("backlog-sentinel-e2e"));
        return out;
    }

    @AfterAll
    void nodeDown() {
        try {
            if (admin != null) {
                admin.close();
            }
            if (node != null) {
                node.keepLogs(Path.of("target/real-node-logs"));
                figure("node down (bin/test-node down)", node.down());
            }
        } finally {
            StringBuilder text = new StringBuilder();
            figures.forEach((k, v) -> text.append(String.format("%-62s %s%n", k, v)));
            System.out.print("real node figures:\n" + text);
            try {
                Files.writeString(Path.of("target/real-node-figures.txt"), text.toString());
            } catch (IOException e) {
                System.err.println("could not write the figures: " + e);
            }
        }
    }

    @Test
    @Order(1)
    void helmInstallAsTheReadmeWritesItRunsTheAgentAndBothOperatorReplicasReady() throws Exception {
        long start = System.nanoTime();
        var install = new Helm(chart).install().withName(readme.release()).withNamespace(readme.namespace())
                .withKubeConfig(node.kubeconfig())
                .set("agent.image.repository", AGENT_REPOSITORY).set("agent.image.tag", IMAGE_TAG)
                .set("operator.image.repository", OPERATOR_REPOSITORY).set("operator.image.tag", IMAGE_TAG);
        if (readme.createNamespace()) {
            install.createNamespace();
        }
        // The namespace and its PodSecurity label, as the README creates them (1.20 has no PodSecurity
        // admission: the label is what a newer server would enforce; PodSecurityTest checks the pods against it).
        readme.kubectlBefore().forEach(args -> node.kubectl(args.toArray(String[]::new)));
        assertThat(admin.namespaces().withName(readme.namespace()).get().getMetadata().getLabels())
                .containsEntry("pod-security.kubernetes.io/enforce", "restricted");
        install.call();
        assertThat(admin.namespaces().withName(readme.agentNamespace()).get().getMetadata().getLabels())
                .containsEntry("pod-security.kubernetes.io/enforce", "privileged");
        Pod agent = await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> readyPod("agent"), p -> p != null);
        figure("helm install to agent pod Ready", Duration.ofNanos(System.nanoTime() - start));
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> readyPods("operator").size() == 2);
        figure("helm install to both operator replicas Ready", Duration.ofNanos(System.nanoTime() - start));
        // The agent's metrics, on the node's address, only for a scraper allowed to get /metrics.
        scraper = AgentScrape.prometheusToken(admin, readme.release());
        assertThat(AgentScrape.get(null).statusCode()).as("a scrape without a token").isEqualTo(401);
        assertThat(AgentScrape.get("not-a-token").statusCode()).as("a token the API server does not know").isEqualTo(401);
        await().atMost(WAIT).untilAsserted(() -> assertThat(AgentScrape.body(scraper)).contains("backlog_last_scan_completed_timestamp_seconds"));

        // Through its real probes, as the kubelet runs them, in the pod the chart describes.
        assertThat(agent.getSpec().getHostNetwork()).isTrue();
        assertThat(agent.getSpec().getHostPID()).isTrue();
        assertThat(agent.getSpec().getNodeName()).isEqualTo(NODE);
        assertThat(agent.getStatus().getContainerStatuses().getFirst().getImage()).isEqualTo(AGENT_REPOSITORY + ":" + IMAGE_TAG);
        assertThat(agent.getStatus().getContainerStatuses().getFirst().getRestartCount()).isZero();
        // The operator reaches the API server through the kubernetes Service (kube-proxy's rules), as on any cluster.
        for (Pod operator : readyPods("operator")) {
            assertThat(operator.getStatus().getContainerStatuses().getFirst().getRestartCount()).isZero();
            assertThat(env(operator, "KUBERNETES_SERVICE_HOST")).isNull();
        }
        // Before 1.21 the chart's PodDisruptionBudget is policy/v1beta1, the version this server serves.
        assertThat(node.kubectl("get", "poddisruptionbudgets.v1beta1.policy", "-n", readme.namespace(), "-o", "name").strip())
                .isEqualTo("poddisruptionbudget.policy/" + readme.release() + "-operator");
        // The agent's first writes may be refused until an operator replica serves the admission check
        // (reports: failurePolicy Fail); it retries.
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> assertThat(node.kubectl("get", "nbr", NODE)).contains("netlink"));
        figure("helm install to the agent's first report (admitted once an operator serves)", Duration.ofNanos(System.nanoTime() - start));
        // The agent's report and Lease are owned by the Node the kubelet registered: they go when it goes.
        String nodeUid = admin.nodes().withName(NODE).get().getMetadata().getUid();
        var lease = await().atMost(WAIT).until(() -> admin.leases().inNamespace(readme.agentNamespace())
                .withName("backlog-sentinel-agent-" + NODE).get(), l -> l != null);
        for (var owners : List.of(lease.getMetadata().getOwnerReferences(),
                admin.resources(dev.backlogsentinel.api.report.NodeBacklogReport.class).withName(NODE).get().getMetadata().getOwnerReferences())) {
            assertThat(owners).singleElement().satisfies(o -> {
                assertThat(o.getKind()).isEqualTo("Node");
                assertThat(o.getUid()).isEqualTo(nodeUid);
            });
        }
    }

    @Test
    @Order(2)
    void aFullQueueOfANonRootServerShowsInKubectlDescribeWithWhoHoldsItAndTheServersAdvice() throws Exception {
        node.kubectl("apply", "-f", resource("web.yaml").toString());
        node.kubectl("apply", "-f", write("policy.yaml", readme.policyYaml()).toString());
        Pod web = await().atMost(WAIT).until(() -> runningPod("shop", "web"), p -> p != null);
        assertThat(web.getSpec().getSecurityContext().getRunAsUser()).isEqualTo(10001L);
        // The agent has matched the pod to the README's policy before the queue fills.
        await().atMost(WAIT).untilAsserted(() -> assertThat(table(node.kubectl("get", "blp", "-n", "shop", "web"))).containsEntry("MATCHED", "1"));

        // The flood fills the queue within a second of the exec (a JVM start in the pod) and holds it two.
        long flooded = System.nanoTime();
        String flood = exec("shop", web, "flood", "8080", Integer.toString(FLOOD));
        // 17 handshakes fit (the kernel holds backlog+1); a busy machine may complete a few more whose
        // last ACK the full queue then drops. What the queue holds is the event's 17/16 below.
        assertThat(completed(flood)).as(flood).isBetween(17, FLOOD - 1);
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> !events("shop", web.getMetadata().getName(), "ListenQueueSaturated").isEmpty());
        figure("flood started (kubectl exec) to the pod's Saturated event", Duration.ofNanos(System.nanoTime() - flooded));

        String describe = await().atMost(WAIT).until(() -> node.kubectl("describe", "pod", "-n", "shop", web.getMetadata().getName()),
                d -> d.contains("ListenQueueOverflow"));
        String saturated = eventLine(describe, "ListenQueueSaturated");
        String overflow = eventLine(describe, "ListenQueueOverflow");
        int pid = javaPid(saturated);
        for (String event : List.of(saturated, overflow)) {
            assertThat(event).contains("Warning").contains("backlogsentinel.dev/operator")
                    // A Java ServerSocket bound to the wildcard listens on [::], for IPv4 as well.
                    .contains("shop/" + web.getMetadata().getName() + " port 8080 (::)").contains("17/16 (106%)")
                    .contains("Held by java (pid " + pid + ", container server)")
                    // The Java server's own knob, not the generic listen() advice.
                    .contains("The limit (16) is the listen() backlog the Java server passed").contains("accept-count");
        }
        assertThat(saturated).contains("is full, so the kernel is dropping new connections").contains("Policy: web.");
        assertThat(overflow).contains("the kernel dropped connection attempts");
        assertThat(Files.readString(Path.of("/proc/" + pid + "/status"))).as("the pid named is the server, as uid 10001")
                .containsPattern("(?m)^Uid:\\s+10001\\s");

        String nodeDescribe = node.kubectl("describe", "node", NODE);
        assertThat(nodeDescribe).containsPattern("ListenQueuePressure\\s+True\\s.*ListenQueueSaturated\\s+1 listen queue is saturated: shop/"
                + Pattern.quote(web.getMetadata().getName()) + " port 8080 \\(::\\), limit 16, since \\S+, limited by the listen\\(\\) backlog "
                + "of the Java server");
        assertThat(eventLine(nodeDescribe, "ListenQueuePressure")).contains("Warning");

        Map<String, String> nbr = table(node.kubectl("get", "nbr"));
        assertThat(nbr).containsEntry("NAME", NODE).containsEntry("READER", "netlink").containsEntry("MATCHED", "1");
        // A policy's status is patched at most once per policy-status-min-interval (10 s): it may trail the events.
        await().atMost(POLICY_STATUS).untilAsserted(() -> assertThat(table(node.kubectl("get", "blp", "-n", "shop")))
                .containsEntry("NAME", "web").containsEntry("MATCHED", "1").containsEntry("SATURATED", "1").containsEntry("READY", "True"));
        write("kubectl-describe-pod.txt", "$ kubectl describe pod -n shop " + web.getMetadata().getName() + "\n" + describe);
    }

    @Test
    @Order(3)
    void theAgentPodDeletedMidSaturationAnnouncesNothing() throws Exception {
        Pod web = runningPod("shop", "web");
        Pod before = readyPod("agent");
        Saturation saturation = Saturation.now(admin, NODE, "shop", web.getMetadata().getName());

        long deleted = System.nanoTime();
        node.kubectl("delete", "pod", "-n", readme.agentNamespace(), before.getMetadata().getName(), "--wait=false");
        // Until the new agent has written, and five seconds more: what the operator saw every 200 ms.
        Long written = null;
        while (written == null || System.nanoTime() - written < TimeUnit.SECONDS.toNanos(5)) {
            assertThat(System.nanoTime() - deleted).as("the new agent writes within two minutes").isLessThan(WAIT.toNanos());
            if (written == null && saturation.rewritten(admin)) {
                written = System.nanoTime();
                figure("agent pod deleted mid-saturation to the new agent's first report", Duration.ofNanos(written - deleted));
            }
            saturation.stillTheSame(admin);
            Thread.sleep(200);
        }
        // Its readiness probe (every 10 s) may trail its first report.
        Pod after = await().atMost(WAIT).until(() -> readyPod("agent"),
                p -> p != null && !p.getMetadata().getUid().equals(before.getMetadata().getUid()));
        assertThat(node.kubectl("logs", "-n", readme.agentNamespace(), after.getMetadata().getName()))
                .contains("1 listener states taken up from the report");
    }

    @Test
    @Order(4)
    void afterTheDrainThePodSaysItRecoveredAndTheConditionIsFalse() {
        Pod web = runningPod("shop", "web");
        long drained = System.nanoTime();
        assertThat(exec("shop", web, "tell", "8080", "drain")).isEqualTo("draining");
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> !events("shop", web.getMetadata().getName(), "ListenQueueRecovered").isEmpty());
        figure("drain to the pod's Recovered event (the README policy's sustainFor: 15s)", Duration.ofNanos(System.nanoTime() - drained));
        await().atMost(WAIT).untilAsserted(() -> assertThat(condition().getStatus()).isEqualTo("False"));
        assertThat(eventLine(node.kubectl("describe", "pod", "-n", "shop", web.getMetadata().getName()), "ListenQueueRecovered"))
                .contains("Normal").contains("is no longer saturated");
        await().atMost(POLICY_STATUS).untilAsserted(() -> assertThat(table(node.kubectl("get", "blp", "-n", "shop", "web")))
                .containsEntry("SATURATED", "0"));
    }

    @Test
    @Order(5)
    void theSomaxconnAdviceFollowedAsWrittenClearsIt() throws Exception {
        node.kubectl("apply", "-f", resource("tight.yaml").toString());
        Pod tight = await().atMost(WAIT).until(() -> runningPod("shop", "tight"), p -> p != null);
        await().atMost(WAIT).untilAsserted(() -> assertThat(table(node.kubectl("get", "blp", "-n", "shop", "tight"))).containsEntry("MATCHED", "1"));
        assertThat(completed(exec("shop", tight, "flood", "8080", "12"))).as("listen(16) clamped to 8: 9 fit").isBetween(9, 11);
        String describe = await().atMost(WAIT).until(() -> node.kubectl("describe", "pod", "-n", "shop", tight.getMetadata().getName()),
                d -> d.contains("ListenQueueSaturated"));
        String saturated = eventLine(describe, "ListenQueueSaturated");
        assertThat(saturated).contains("9/8 (113%)")
                .contains("The limit (8) is net.core.somaxconn of the pod's network namespace: raise it in securityContext.sysctls, "
                        + "and the server's backlog");

        // The advice, as written: raise net.core.somaxconn in the pod's securityContext.sysctls, and the server's backlog with it.
        node.kubectl("patch", "deployment", "-n", "shop", "tight", "--type", "json", "-p",
                "[{\"op\":\"replace\",\"path\":\"/spec/template/spec/securityContext/sysctls/0/value\",\"value\":\"64\"},"
                        + "{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/args/2\",\"value\":\"64\"}]");
        Pod after = await().atMost(WAIT).until(() -> runningPod("shop", "tight"),
                p -> p != null && !p.getMetadata().getUid().equals(tight.getMetadata().getUid()));
        await().atMost(WAIT).untilAsserted(() -> assertThat(series("backlog_listen_queue_limit", after.getMetadata().getUid(), 8080)).isEqualTo(64));
        assertThat(exec("shop", after, "flood", "8080", "12")).as("the same flood fits now").startsWith("12 of 12");
        await().atMost(WAIT).untilAsserted(() -> assertThat(series("backlog_listen_queue_depth", after.getMetadata().getUid(), 8080)).isEqualTo(12));
        await().atMost(WAIT).untilAsserted(() -> assertThat(condition().getStatus()).isEqualTo("False"));
        assertThat(events("shop", after.getMetadata().getName(), "ListenQueueSaturated")).as("nothing saturated after the advice").isEmpty();
        assertThat(events("shop", after.getMetadata().getName(), "ListenQueueOverflow")).isEmpty();
        await().atMost(POLICY_STATUS).untilAsserted(() -> assertThat(table(node.kubectl("get", "blp", "-n", "shop", "tight")))
                .containsEntry("SATURATED", "0").containsEntry("MATCHED", "1"));
    }

    @Test
    @Order(6)
    void whenTheLeaderReplicaIsDeletedTheOtherTakesOverAndANewSaturationStillReachesKubectlDescribe() {
        String leader = leader();
        List<String> replicas = readyPods("operator").stream().map(p -> p.getMetadata().getName()).toList();
        assertThat(replicas).contains(leader);
        Pod web = runningPod("shop", "web");
        assertThat(exec("shop", web, "tell", "8080", "hold")).isEqualTo("holding");
        int before = sumCount(events("shop", web.getMetadata().getName(), "ListenQueueSaturated"));

        long deleted = System.nanoTime();
        node.kubectl("delete", "pod", "-n", readme.namespace(), leader, "--wait=false");
        String next = await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(this::leader, l -> l != null && !l.equals(leader));
        figure("leader pod deleted to the other replica holding the Lease", Duration.ofNanos(System.nanoTime() - deleted));
        assertThat(replicas).as("the other replica, not a new pod").contains(next);

        long flooded = System.nanoTime();
        exec("shop", web, "flood", "8080", Integer.toString(FLOOD));
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100))
                .until(() -> sumCount(events("shop", web.getMetadata().getName(), "ListenQueueSaturated")) > before);
        figure("leader pod deleted to the next Saturated event", Duration.ofNanos(System.nanoTime() - deleted));
        figure("flood started to that event, under the new leader", Duration.ofNanos(System.nanoTime() - flooded));
        assertThat(node.kubectl("describe", "pod", "-n", "shop", web.getMetadata().getName())).contains("ListenQueueSaturated");
        await().atMost(WAIT).untilAsserted(() -> assertThat(condition().getStatus()).isEqualTo("True"));
        assertThat(exec("shop", web, "tell", "8080", "drain")).isEqualTo("draining");
    }

    @Test
    @Order(7)
    void theAgentsOwnTokenWritesItsNodesObjectsAndNothingElse() throws Exception {
        // The token the kubelet mounted in the agent's container, read through the agent's root (hostPID).
        Pod agent = readyPod("agent");
        String token = Files.readString(Path.of("/proc", Long.toString(pidOfPod(agent.getMetadata().getName())), "root",
                "var/run/secrets/kubernetes.io/serviceaccount/token")).strip();
        var config = admin.getConfiguration();
        try (KubernetesClient asAgent = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(
                new io.fabric8.kubernetes.client.ConfigBuilder().withMasterUrl(config.getMasterUrl()).withCaCertFile(config.getCaCertFile())
                        .withCaCertData(config.getCaCertData()).withOauthToken(token).withRequestRetryBackoffLimit(0).build()).build()) {
            var merge = io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE);
            // Its own: the Lease it renews, through the operator's admission webhook (Service, kube-proxy).
            asAgent.leases().inNamespace(readme.agentNamespace()).resource(lease(readme.agentNamespace(), "backlog-sentinel-agent-" + NODE))
                    .patch(merge, "{\"metadata\":{\"annotations\":{\"test\":\"own\"}}}");
            // Another node's report and Lease (made by the admin), a new report under another name, the leader's Lease.
            var other = new dev.backlogsentinel.api.report.NodeBacklogReport();
            other.getMetadata().setName("other-node");
            admin.resource(other).create();
            admin.leases().inNamespace(readme.agentNamespace()).resource(new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder()
                    .withNewMetadata().withName("backlog-sentinel-agent-other-node").endMetadata().withNewSpec().withHolderIdentity("x")
                    .endSpec().build()).create();
            Map<String, Runnable> forged = new LinkedHashMap<>();
            forged.put("patch another node's report status", () -> asAgent.resources(dev.backlogsentinel.api.report.NodeBacklogReport.class)
                    .resource(report("other-node")).subresource("status").patch(merge, "{\"status\":{\"reader\":\"forged\"}}"));
            forged.put("create a report under another node's name", () -> {
                var report = new dev.backlogsentinel.api.report.NodeBacklogReport();
                report.getMetadata().setName("third-node");
                asAgent.resource(report).create();
            });
            forged.put("patch another node's agent Lease", () -> asAgent.leases().inNamespace(readme.agentNamespace())
                    .resource(lease(readme.agentNamespace(), "backlog-sentinel-agent-other-node")).patch(merge, "{\"spec\":{\"holderIdentity\":\"forged\"}}"));
            forged.put("create another node's agent Lease", () -> asAgent.leases().inNamespace(readme.agentNamespace())
                    .resource(new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder().withNewMetadata()
                            .withName("backlog-sentinel-agent-third-node").endMetadata().build()).create());
            forged.put("forge the operator's leader Lease", () -> asAgent.leases().inNamespace(readme.namespace())
                    .resource(lease(readme.namespace(), "backlog-sentinel-operator")).patch(merge, "{\"spec\":{\"holderIdentity\":\"forged\"}}"));
            forged.forEach((what, write) -> assertThatThrownBy(write::run).as(what)
                    .isInstanceOfSatisfying(io.fabric8.kubernetes.client.KubernetesClientException.class,
                            e -> assertThat(e.getCode()).as(what + ": " + e.getMessage()).isEqualTo(403)));
            assertThat(admin.resources(dev.backlogsentinel.api.report.NodeBacklogReport.class).withName("other-node").get().getStatus()).isNull();
            assertThat(leader()).isNotEqualTo("forged");
            admin.resources(dev.backlogsentinel.api.report.NodeBacklogReport.class).withName("other-node").delete();
            admin.leases().inNamespace(readme.agentNamespace()).withName("backlog-sentinel-agent-other-node").delete();
        }
    }

    /** A report or a Lease as the target of a patch (a patch by name would read it first, which the agent may not). */
    private static dev.backlogsentinel.api.report.NodeBacklogReport report(String name) {
        var report = new dev.backlogsentinel.api.report.NodeBacklogReport();
        report.getMetadata().setName(name);
        return report;
    }

    private static io.fabric8.kubernetes.api.model.coordination.v1.Lease lease(String namespace, String name) {
        return new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .endMetadata().build();
    }

    /** The host pid of a pod's process, by the POD_NAME the chart gives it (the agent's pod shares the host's pids). */
    private static long pidOfPod(String pod) throws IOException {
        byte[] wanted = ("POD_NAME=" + pod + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    if (new String(Files.readAllBytes(proc.resolve("environ")), java.nio.charset.StandardCharsets.ISO_8859_1)
                            .contains(new String(wanted, java.nio.charset.StandardCharsets.ISO_8859_1))) {
                        return Long.parseLong(proc.getFileName().toString());
                    }
                } catch (IOException gone) {
                    // Exited while we looked.
                }
            }
        }
        throw new IllegalStateException("no process of pod " + pod);
    }

    @Test
    @Order(8)
    void theKubeletsViewOfTheAgentPod() throws Exception {
        Pod agent = readyPod("agent");
        JsonNode first = agentPodStats(agent);
        long firstCpu = first.get("cpu").get("usageCoreNanoSeconds").asLong();
        java.time.Instant firstAt = java.time.Instant.parse(first.get("cpu").get("time").asText());
        Thread.sleep(Duration.ofSeconds(10));
        // The kubelet serves cAdvisor's last sample (housekeeping every 10-15 s): wait for a newer one,
        // and take the CPU over the time between the two samples, as their own timestamps give it.
        JsonNode pod = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(2))
                .until(() -> agentPodStats(agent), p -> p.get("cpu").get("usageCoreNanoSeconds").asLong() > firstCpu);
        double millicores = (pod.get("cpu").get("usageCoreNanoSeconds").asLong() - firstCpu) / 1e6
                / (Duration.between(firstAt, java.time.Instant.parse(pod.get("cpu").get("time").asText())).toMillis() / 1e3);
        long workingSet = pod.get("memory").get("workingSetBytes").asLong();
        assertThat(workingSet).isPositive();
        assertThat(millicores).isPositive();
        long age = Duration.between(java.time.Instant.parse(agent.getStatus().getStartTime()), java.time.Instant.now()).toSeconds();
        figure("agent pod working set, kubelet summary API (" + age + " s after start)", String.format("%.1f MiB", workingSet / 1048576.0));
        figure("agent pod CPU between two samples 10+ s apart, kubelet summary API", String.format("%.1f millicores", millicores));
        figure("agent pod memory request / limit (chart)", agent.getSpec().getContainers().getFirst().getResources().getRequests().get("memory")
                + " / " + agent.getSpec().getContainers().getFirst().getResources().getLimits().get("memory"));
    }

    /** The agent pod's entry in the kubelet's summary API (the node's /stats/summary, through the API server). */
    private JsonNode agentPodStats(Pod agent) throws Exception {
        JsonNode summary = new ObjectMapper().readTree(admin.raw("/api/v1/nodes/" + NODE + "/proxy/stats/summary"));
        for (JsonNode p : summary.get("pods")) {
            if (p.get("podRef").get("name").asText().equals(agent.getMetadata().getName())) {
                return p;
            }
        }
        throw new AssertionError("no pod " + agent.getMetadata().getName() + " in the kubelet's summary");
    }

    @Test
    @Order(9)
    void helmUpgradeWithAChangedValueRollsTheAgents() {
        // Both replicas, the one made when the leader was deleted included (a JVM may take 20 s to its probe).
        await().atMost(WAIT).until(() -> readyPods("operator").size() == 2);
        Pod before = readyPod("agent");
        List<String> operators = readyPods("operator").stream().map(p -> p.getMetadata().getName()).sorted().toList();
        long start = System.nanoTime();
        new Helm(chart).upgrade().withName(readme.release()).withNamespace(readme.namespace()).withKubeConfig(node.kubeconfig())
                .set("agent.image.repository", AGENT_REPOSITORY).set("agent.image.tag", IMAGE_TAG)
                .set("operator.image.repository", OPERATOR_REPOSITORY).set("operator.image.tag", IMAGE_TAG)
                .set("agent.scanInterval", "3s").call();
        Pod after = await().atMost(WAIT).pollInterval(Duration.ofMillis(200))
                .until(() -> readyPod("agent"), p -> p != null && !p.getMetadata().getUid().equals(before.getMetadata().getUid()));
        figure("helm upgrade (agent.scanInterval) to the new agent pod Ready", Duration.ofNanos(System.nanoTime() - start));
        assertThat(env(after, "BACKLOG_AGENT_SCAN_INTERVAL")).isEqualTo("3s");
        assertThat(readyPods("operator").stream().map(p -> p.getMetadata().getName()).sorted().toList())
                .as("the operator's template did not change, so its pods did not").isEqualTo(operators);
        await().atMost(WAIT).untilAsserted(() -> assertThat(node.kubectl("logs", "-n", readme.agentNamespace(), after.getMetadata().getName()))
                .contains("scans every PT3S"));
    }

    @Test
    @Order(10)
    void helmUninstallLeavesOnlyWhatTheReadmeSays() {
        Helm.uninstall(readme.release()).withNamespace(readme.namespace()).withKubeConfig(node.kubeconfig()).call();
        await().atMost(WAIT).untilAsserted(() -> assertThat(admin.pods().inNamespace(readme.namespace()).list().getItems()).isEmpty());
        // The agent's namespace, the chart's, goes with everything in it (the agents' Leases).
        await().atMost(WAIT).untilAsserted(() -> assertThat(admin.namespaces().withName(readme.agentNamespace()).get()).isNull());
        String instance = "app.kubernetes.io/instance=" + readme.release();
        // Nothing the chart's templates made is left.
        for (String kind : List.of("daemonsets,deployments,services,serviceaccounts,roles,rolebindings,poddisruptionbudgets,configmaps",
                "clusterroles,clusterrolebindings")) {
            assertThat(node.kubectl("get", kind, "-A", "-l", instance, "-o", "name")).as(kind).isBlank();
        }
        // What stays, as the README's Uninstall section says: the CRDs (Helm never deletes them) with every
        // BacklogPolicy and NodeBacklogReport, the release namespace with the operator's Lease, and the
        // condition on the nodes; events expire on their own.
        assertThat(node.kubectl("get", "crd", "-o", "name")).contains("backlogpolicies.backlogsentinel.dev")
                .contains("nodebacklogreports.backlogsentinel.dev");
        assertThat(node.kubectl("get", "nbr", "-o", "name").strip()).isEqualTo("nodebacklogreport.backlogsentinel.dev/" + NODE);
        assertThat(node.kubectl("get", "blp", "-n", "shop", "-o", "name").lines().sorted().toList())
                .containsExactly("backlogpolicy.backlogsentinel.dev/tight", "backlogpolicy.backlogsentinel.dev/web");
        assertThat(node.kubectl("get", "leases", "-n", readme.namespace(), "-o", "name").lines().sorted().toList())
                .containsExactly("lease.coordination.k8s.io/backlog-sentinel-operator");
        assertThat(admin.namespaces().withName(readme.namespace()).get()).isNotNull();
        assertThat(condition()).as("the condition stays until removed").isNotNull();
    }

    // --- what the cluster shows ---

    private Pod readyPod(String component) {
        List<Pod> ready = readyPods(component);
        return ready.size() == 1 ? ready.getFirst() : null;
    }

    private List<Pod> readyPods(String component) {
        String namespace = component.equals("agent") ? readme.agentNamespace() : readme.namespace();
        return admin.pods().inNamespace(namespace).withLabel("app.kubernetes.io/component", component).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null && ready(p)).toList();
    }

    private static boolean ready(Pod p) {
        List<PodCondition> conditions = p.getStatus() == null ? null : p.getStatus().getConditions();
        return conditions != null && conditions.stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private Pod runningPod(String namespace, String app) {
        List<Pod> pods = admin.pods().inNamespace(namespace).withLabel("app", app).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null && "Running".equals(p.getStatus().getPhase())).toList();
        return pods.size() == 1 ? pods.getFirst() : null;
    }

    private static String env(Pod pod, String name) {
        return pod.getSpec().getContainers().getFirst().getEnv().stream().filter(e -> e.getName().equals(name))
                .map(EnvVar::getValue).findFirst().orElse(null);
    }

    private List<Event> events(String namespace, String name, String reason) {
        return admin.v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason())).toList();
    }

    private static int sumCount(List<Event> events) {
        return events.stream().mapToInt(e -> e.getCount() == null ? 1 : e.getCount()).sum();
    }

    private NodeCondition condition() {
        return admin.nodes().withName(NODE).get().getStatus().getConditions().stream()
                .filter(c -> "ListenQueuePressure".equals(c.getType())).findFirst().orElse(null);
    }

    private String leader() {
        var lease = admin.leases().inNamespace(readme.namespace()).withName("backlog-sentinel-operator").get();
        return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
    }

    /** One series of the agent's /q/metrics, served on the node's address (hostNetwork), for a pod's listener. */
    private double series(String metric, String podUid, int port) throws Exception {
        String body = AgentScrape.body(scraper);
        for (String line : body.lines().toList()) {
            if (line.startsWith(metric + "{") && line.contains("pod_uid=\"" + podUid + "\"") && line.contains("port=\"" + port + "\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no " + metric + " for pod " + podUid + " port " + port);
    }

    /** Runs the slow server's own command in its pod (kubectl exec: the pod's network namespace, its user). */
    private String exec(String namespace, Pod pod, String... args) {
        List<String> command = new ArrayList<>(List.of("exec", "-n", namespace, pod.getMetadata().getName(), "-c", "server", "--",
                "java", "-cp", "/app/classes", SlowServer.class.getName()));
        command.addAll(List.of(args));
        return node.kubectl(command.toArray(String[]::new)).strip();
    }

    /** How many of the flood's connections completed, from what it printed ("17 of 30 connections completed"). */
    private static int completed(String flood) {
        Matcher m = Pattern.compile("^(\\d+) of \\d+ connections completed").matcher(flood);
        assertThat(m.find()).as(flood).isTrue();
        return Integer.parseInt(m.group(1));
    }

    /** The header and first row of a `kubectl get` table, by column. */
    private static Map<String, String> table(String kubectlGet) {
        List<String> lines = kubectlGet.lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as(kubectlGet).hasSizeGreaterThanOrEqualTo(2);
        String[] header = lines.get(0).trim().split("\\s{2,}|\\s+");
        String[] row = lines.get(1).trim().split("\\s+");
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < header.length && i < row.length; i++) {
            out.put(header[i], row[i]);
        }
        return out;
    }

    /** The line of an Events table with this reason, joined with what kubectl wrapped onto the next lines. */
    private static String eventLine(String describe, String reason) {
        List<String> lines = describe.lines().toList();
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).matches("\\s+(Warning|Normal)\\s+" + reason + "\\s.*")) {
                return lines.get(i);
            }
        }
        throw new AssertionError("no " + reason + " event in:\n" + describe);
    }

    private static final Pattern HELD_BY_JAVA = Pattern.compile("Held by java \\(pid (\\d+)");

    private static int javaPid(String event) {
        Matcher m = HELD_BY_JAVA.matcher(event);
        assertThat(m.find()).as("who holds it, in: %s", event).isTrue();
        return Integer.parseInt(m.group(1));
    }

    static Path resource(String name) {
        return Path.of("src/test/resources/real-node").resolve(name).toAbsolutePath();
    }

    private static Path write(String name, String content) throws IOException {
        Path dir = Files.createDirectories(Path.of("target/real-node"));
        return Files.writeString(dir.resolve(name), content);
    }

    private void figure(String what, Duration d) {
        figure(what, String.format("%.1f s", d.toMillis() / 1000.0));
    }

    private void figure(String what, String value) {
        figures.put(what, value);
        System.out.printf("real node: %s: %s%n", what, value);
    }
}
