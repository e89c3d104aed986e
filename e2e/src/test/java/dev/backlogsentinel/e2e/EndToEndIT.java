package dev.backlogsentinel.e2e;

import dev.backlogsentinel.testing.Cluster;
import dev.backlogsentinel.testing.ChartInstall;
import dev.backlogsentinel.testing.NetnsApp;
import dev.backlogsentinel.testing.NetnsNodeServer;
import dev.backlogsentinel.testing.PackagedApp;
import dev.backlogsentinel.testing.PodCgroup;
import dev.backlogsentinel.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Nothing mocked: a real kube-apiserver with the chart's RBAC; a real network namespace whose
 * listen(16) queue is filled to 17, by a process in a kubepods cgroup carrying the UID of a Pod the
 * server holds; the packaged agent (cluster mode, NODE_NAME) and the packaged operator as processes,
 * each with its ServiceAccount's token. What is asserted is what the real `kubectl describe` prints.
 * Then the application drains its queue, and the pod says it recovered.
 *
 * <p>-De2e.rounds=N then fills and drains N more times, each on a quiet node, and prints the time
 * from the queue filling to the pod event (a measurement, not an assertion). The README's `kubectl describe` sample is this
 * test's output (e2e/target/describe-example.txt); the test fails when they differ.
 */
class EndToEndIT {

    static final String NODE = "e2e-node";
    static final Duration WAIT = Duration.ofSeconds(60);
    /** The agent's default backlog.agent.report-min-interval. */
    static final Duration REPORT_MIN_INTERVAL = Duration.ofSeconds(5);

    @Test
    void aFullQueueOnARealKernelShowsInKubectlDescribeAndSoDoesItsRecovery() throws Exception {
        assertThat(System.getProperty("user.name")).as("root: network namespaces and cgroups").isEqualTo("root");
        Path agentJar = Path.of("../agent/target/quarkus-app/quarkus-run.jar").toAbsolutePath().normalize();
        Path operatorJar = Path.of("../operator/target/quarkus-app/quarkus-run.jar").toAbsolutePath().normalize();
        assertThat(agentJar).as("the packaged agent (this module depends on it, so the reactor builds it first)").exists();
        assertThat(operatorJar).as("the packaged operator").exists();
        TestApiServer server = TestApiServer.shared();
        ChartInstall.Installed chart = ChartInstall.on(server);
        int rounds = Integer.getInteger("e2e.rounds", 0);
        List<PackagedApp> apps = new ArrayList<>();
        try (KubernetesClient admin = server.admin()) {
            Cluster cluster = new Cluster(admin);
            cluster.node(NODE);
            admin.leases().inNamespace("kube-node-lease").resource(new LeaseBuilder().withNewMetadata().withNamespace("kube-node-lease")
                    .withName(NODE).addNewOwnerReference().withApiVersion("v1").withKind("Node").withName(NODE)
                    .withUid(admin.nodes().withName(NODE).get().getMetadata().getUid()).endOwnerReference().endMetadata()
                    .withNewSpec().withHolderIdentity(NODE).withLeaseDurationSeconds(40).endSpec().build()).create();
            String uid = cluster.pod("shop", "web-0", NODE, Map.of("app", "web"));
            cluster.immediatePolicy("shop", "web", "web", 8080);

            try (NetnsApp app = NetnsApp.start(8080, 16, 30); PodCgroup cgroup = PodCgroup.forPod(uid)) {
                cgroup.add(app.pid());
                long filledAt = System.nanoTime();
                // Each with the JVM options the chart gives it in its pod.
                apps.add(start("e2e-agent", agentJar, chart.agent().kubeconfig(),
                        Map.of("NODE_NAME", NODE, "JAVA_TOOL_OPTIONS", chart.agentJavaOpts(), "POD_NAMESPACE", ChartInstall.AGENT_NAMESPACE)));
                apps.add(start("e2e-operator", operatorJar, chart.operator().kubeconfig(),
                        Map.of("JAVA_TOOL_OPTIONS", chart.operatorJavaOpts(), "POD_NAMESPACE", ChartInstall.NAMESPACE,
                                "BACKLOG_OPERATOR_AGENT_NAMESPACE", ChartInstall.AGENT_NAMESPACE)));

                await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                    alive(apps);
                    assertThat(cluster.events("shop", "web-0", "ListenQueueSaturated")).hasSize(1);
                });
                System.out.printf("e2e: from the queue filling (before either process started) to the pod event: %d ms%n",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - filledAt));
                await().atMost(WAIT).untilAsserted(() -> {
                    assertThat(cluster.events("shop", "web-0", "ListenQueueOverflow")).hasSize(1);
                    NodeCondition c = cluster.pressure(NODE);
                    assertThat(c).isNotNull();
                    assertThat(c.getStatus()).isEqualTo("True");
                });

                String pod = Cluster.describe("pod", "-n", "shop", "web-0");
                assertThat(pod).containsPattern("Warning\\s+ListenQueueSaturated\\s+\\S+\\s+backlogsentinel.dev/operator\\s+"
                        + "Listen queue of shop/web-0 port 8080 \\(0\\.0\\.0\\.0\\) is saturated at 17/16 \\(106%\\)")
                        .containsPattern("Warning\\s+ListenQueueOverflow\\s+\\S+\\s+backlogsentinel.dev/operator\\s+"
                                + "Listen queue of shop/web-0 port 8080 \\(0\\.0\\.0\\.0\\) is full at 17/16")
                        .contains("The limit (16) is the application's listen() backlog, below net.core.somaxconn: "
                                + "raise the backlog the application passes to listen().");
                String node = Cluster.describe("node", NODE);
                String saturatedNode = DescribeText.excerpt("describe node " + NODE, node);
                assertThat(node).containsPattern("ListenQueuePressure\\s+True\\s+.*ListenQueueSaturated\\s+1 listen queue is saturated: "
                        + "shop/web-0 port 8080 \\(0\\.0\\.0\\.0\\), limit 16, since ")
                        .containsPattern("Warning\\s+ListenQueuePressure\\s+\\S+\\s+backlogsentinel.dev/operator\\s+1 listen queue is saturated");

                // The agent restarts mid-saturation (a rollout, an eviction, an OOM kill): it carries the
                // saturation on from its report, so nothing is announced and the condition never moves.
                agentRestartAnnouncesNothing(admin, apps, () -> start("e2e-agent", agentJar, chart.agent().kubeconfig(),
                        Map.of("NODE_NAME", NODE, "JAVA_TOOL_OPTIONS", chart.agentJavaOpts(), "POD_NAMESPACE", ChartInstall.AGENT_NAMESPACE)));
                // So does an edit of the policy that leaves the queue saturated under it.
                policyEditAnnouncesNothing(admin, cluster, apps);

                // The application catches up: the queue empties, the pod says it recovered, the node is clear.
                app.drain();
                await().atMost(WAIT).untilAsserted(() -> {
                    assertThat(cluster.events("shop", "web-0", "ListenQueueRecovered")).hasSize(1);
                    assertThat(cluster.pressure(NODE).getStatus()).isEqualTo("False");
                });
                String recoveredPod = Cluster.describe("pod", "-n", "shop", "web-0");
                String recoveredNode = Cluster.describe("node", NODE);
                assertThat(recoveredPod).containsPattern("Normal\\s+ListenQueueRecovered\\s+\\S+\\s+backlogsentinel.dev/operator\\s+"
                        + "Listen queue of shop/web-0 port 8080 \\(0\\.0\\.0\\.0\\) is no longer saturated");
                assertThat(recoveredNode).containsPattern("ListenQueuePressure\\s+False\\s+.*NoListenQueuePressure")
                        .containsPattern("Normal\\s+NoListenQueuePressure\\s+");
                readmeQuotes(saturatedNode + "\n\n" + DescribeText.excerpt("describe pod -n shop web-0", recoveredPod));

                // More rounds, for the latency figures: fill, time the pod event, drain. Each fill comes
                // to a quiet node (its report unchanged for report-min-interval and a second), as
                // saturation does in life: a change right after the agent's last write waits up to its
                // report-min-interval (5 s) by design, which would time the debounce instead.
                List<Long> latencies = new ArrayList<>();
                for (int round = 1; round <= rounds; round++) {
                    quiet(admin, REPORT_MIN_INTERVAL.plusSeconds(1));
                    int saturatedBefore = cluster.events("shop", "web-0", "ListenQueueSaturated").size();
                    int recoveredBefore = cluster.events("shop", "web-0", "ListenQueueRecovered").size();
                    app.fill();
                    long t0 = System.nanoTime();
                    await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() ->
                            cluster.events("shop", "web-0", "ListenQueueSaturated").size() > saturatedBefore);
                    latencies.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                    app.drain();
                    await().atMost(WAIT).until(() -> cluster.events("shop", "web-0", "ListenQueueRecovered").size() > recoveredBefore);
                }
                if (!latencies.isEmpty()) {
                    List<Long> sorted = latencies.stream().sorted().toList();
                    System.out.printf("e2e: queue filled -> pod event, %d rounds: p50 %d ms, max %d ms (all: %s)%n", sorted.size(),
                            sorted.get((sorted.size() - 1) / 2), sorted.getLast(), latencies);
                }
                nodeJsServerGetsItsOwnAdvice(cluster);

                String metrics = apps.get(1).metrics();
                double written = sum(metrics, "backlog_operator_events_written_total");
                double failed = sum(metrics, "backlog_operator_event_write_failures_total");
                System.out.printf("e2e: events accepted by the API server: %.0f of %.0f written%n", written, written + failed);
                assertThat(failed).as("no event refused").isZero();
                assertThat(written).isGreaterThanOrEqualTo(5);
                assertThat(apps.get(1).logText()).doesNotContain("Forbidden").doesNotContain("could not write");
                assertThat(apps.get(0).logText()).doesNotContain("Forbidden").doesNotContain("cannot write");
            }
        } finally {
            for (PackagedApp p : apps) {
                p.stop();
            }
        }
    }

    interface Start {
        PackagedApp start() throws Exception;
    }

    /** Stops the agent (SIGTERM, as the kubelet would), starts a new one, and watches what the cluster shows meanwhile. */
    static void agentRestartAnnouncesNothing(KubernetesClient admin, List<PackagedApp> apps, Start agent) throws Exception {
        Saturation before = Saturation.now(admin, NODE, "shop", "web-0");
        assertThat(apps.get(0).stop()).as("the agent stops on SIGTERM").isTrue();
        apps.set(0, agent.start());
        long started = System.nanoTime();
        // Until the new agent has written, and ten seconds more: what the operator saw every 100 ms.
        Long written = null;
        while (written == null || System.nanoTime() - written < TimeUnit.SECONDS.toNanos(10)) {
            assertThat(System.nanoTime() - started).as("the new agent writes within a minute").isLessThan(TimeUnit.SECONDS.toNanos(60));
            alive(apps);
            if (written == null && before.rewritten(admin)) {
                written = System.nanoTime();
                System.out.printf("e2e: a restarted agent wrote its first report %d ms after it started%n",
                        TimeUnit.NANOSECONDS.toMillis(written - started));
            }
            before.stillTheSame(admin);
            Thread.sleep(100);
        }
    }

    /** Edits the policy (warningPercent 70 to 75) while its listener stays full, and watches for two report intervals. */
    static void policyEditAnnouncesNothing(KubernetesClient admin, Cluster cluster, List<PackagedApp> apps) throws Exception {
        Saturation before = Saturation.now(admin, NODE, "shop", "web-0");
        var policy = admin.resources(dev.backlogsentinel.api.policy.BacklogPolicy.class).inNamespace("shop").withName("web");
        assertThat(policy.get().getSpec().getWarningPercent()).isEqualTo(70);
        policy.edit(p -> {
            p.getSpec().setWarningPercent(75);
            return p;
        });
        long edited = System.nanoTime();
        while (System.nanoTime() - edited < REPORT_MIN_INTERVAL.multipliedBy(2).toNanos()) {
            alive(apps);
            before.stillTheSame(admin);
            Thread.sleep(100);
        }
        assertThat(cluster.policy("shop", "web").getStatus().getObservedGeneration()).as("the edit was taken").isEqualTo(2L);
    }

    /**
     * A server the agent recognises: a real Node.js process, listen backlog 8, never accepting, in a
     * second pod's namespace. Its pod's event names it and gives Node.js's own setting, not the
     * generic advice. Node.js is installed by .ci/run (Debian nodejs).
     */
    static void nodeJsServerGetsItsOwnAdvice(Cluster cluster) throws Exception {
        assertThat(NetnsNodeServer.available()).as("node on PATH (Debian's nodejs; .ci/run installs it)").isTrue();
        String uid = cluster.pod("shop", "api-0", NODE, Map.of("app", "api"));
        cluster.immediatePolicy("shop", "api", "api", 3000);
        // Started inside the pod's cgroup, as a runtime starts a container: the agent is running, and a
        // process it saw outside the pod first would stay outside for it (a container never moves).
        try (PodCgroup cgroup = PodCgroup.forPod(uid); NetnsNodeServer node = NetnsNodeServer.start(3000, 8, 20, cgroup::command)) {
            await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                    assertThat(cluster.events("shop", "api-0", "ListenQueueSaturated")).hasSize(1));
            String message = cluster.events("shop", "api-0", "ListenQueueSaturated").getFirst().getMessage();
            System.out.printf("e2e: the event of a Node.js server: %s%n", message);
            assertThat(message).contains("shop/api-0 port 3000").contains("9/8")
                    .contains("Held by node (pid " + node.pid() + ")")
                    .contains("server.listen(port, host, backlog)")
                    .doesNotContain("raise the backlog the application passes to listen()");
        }
    }

    /** Waits until the node's report has not changed for this long: no write of the agent's is recent. */
    static void quiet(KubernetesClient admin, Duration forAtLeast) throws InterruptedException {
        String version = null;
        long since = System.nanoTime();
        while (System.nanoTime() - since < forAtLeast.toNanos()) {
            var report = admin.resources(dev.backlogsentinel.api.report.NodeBacklogReport.class).withName(NODE).get();
            String now = report == null ? null : report.getMetadata().getResourceVersion();
            if (!java.util.Objects.equals(now, version)) {
                version = now;
                since = System.nanoTime();
            }
            Thread.sleep(200);
        }
    }

    /** The README quotes this run's describe text; numbers, times and ages aside, they must be the same. */
    static void readmeQuotes(String excerpt) throws Exception {
        Files.writeString(Path.of("target/describe-example.txt"), excerpt + "\n");
        String readme = Files.readString(Path.of("../README.md"));
        Matcher block = Pattern.compile("```text\\n(\\$ kubectl describe node .*?)```", Pattern.DOTALL).matcher(readme);
        assertThat(block.find()).as("README has a ```text block starting with $ kubectl describe node").isTrue();
        assertThat(DescribeText.normalise(block.group(1)))
                .as("README's kubectl describe sample is this test's output: copy e2e/target/describe-example.txt into it")
                .isEqualTo(DescribeText.normalise(excerpt));
    }

    static double sum(String metrics, String name) {
        return metrics.lines().filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    static void alive(List<PackagedApp> apps) {
        assertThat(apps.get(0).isAlive()).as("agent exited; log:%n%s", apps.get(0).logText()).isTrue();
        assertThat(apps.get(1).isAlive()).as("operator exited; log:%n%s", apps.get(1).logText()).isTrue();
    }

    static PackagedApp start(String name, Path jar, Path kubeconfig, Map<String, String> env) throws Exception {
        return PackagedApp.of(name, jar).jvmArgs("--enable-native-access=ALL-UNNAMED").kubeconfig(kubeconfig).env(env).start();
    }
}
