package dev.backlogsentinel.agent.cluster;

import dev.backlogsentinel.testing.ChartInstall;
import dev.backlogsentinel.agent.NetnsFixture;
import dev.backlogsentinel.agent.RootRequired;
import dev.backlogsentinel.agent.TestConfig;
import dev.backlogsentinel.agent.kernel.Family;
import dev.backlogsentinel.agent.metrics.ScanMetrics;
import dev.backlogsentinel.agent.scan.NodeScannerFactory;
import dev.backlogsentinel.agent.kernel.ReaderChoice;
import dev.backlogsentinel.api.ListenerState;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import io.fabric8.kubernetes.client.KubernetesClient;
import dev.backlogsentinel.testing.RealApiServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * End to end on one machine: a fake procfs root lays out a kubepods pod around a real network
 * namespace (its net/ and ns/ are the real ones), the real API server holds that Pod and a policy,
 * and the agent, as the chart's agent ServiceAccount, writes a report that follows the real queue.
 */
@QuarkusTest
@QuarkusTestResource(value = RealApiServer.class, restrictToAnnotatedClass = true,
        initArgs = @ResourceArg(name = "identity", value = "agent"))
@RootRequired
class ClusterModeTest {

    static final String NODE = "node-a";
    static final String CID = "4f1c2b0e9a8d7c6b5a493827161504f3e2d1c0b9a8f7e6d5c4b3a29180716253";

    @Inject
    KubernetesClient client;

    @Inject
    ScanMetrics metrics;

    @TempDir
    Path procRoot;

    Stage stage;

    @BeforeEach
    void setUp() {
        stage = new Stage();
    }

    @AfterEach
    void tearDown() {
        stage.close();
    }

    NodeBacklogReport report() {
        return stage.report(NODE);
    }

    @Test
    void aFilledQueueBecomesSaturatedInTheReportWithThePodsNameAndLeavesItWhenFreed() throws Exception {
        // The UID the API server gives the pod is the one its cgroup path carries.
        String uid = stage.pod("shop", "web-0", NODE, Map.of("app", "web"));
        stage.pod("shop", "elsewhere", "node-b", Map.of("app", "web"));
        stage.policy("shop", "web", spec -> {
            spec.setSustainFor("1s");
            spec.setPorts(List.of(8080));
        });

        try (NetnsFixture netns = NetnsFixture.create()) {
            // The fake node: one process of a burstable pod, whose namespace is the real one.
            Path pid = Files.createDirectories(procRoot.resolve("4242"));
            Files.createSymbolicLink(pid.resolve("net"), Path.of("/proc", Long.toString(netns.holderPid()), "net"));
            Files.createSymbolicLink(pid.resolve("ns"), Path.of("/proc", Long.toString(netns.holderPid()), "ns"));
            Files.writeString(pid.resolve("cgroup"), "0::/kubepods/burstable/pod" + uid + "/" + CID + "\n");

            var scanner = new NodeScannerFactory(TestConfig.defaults(), Clock.systemUTC()).create(ReaderChoice.NETLINK, procRoot);
            var settings = new ClusterAgent.Settings(NODE, ChartInstall.AGENT_NAMESPACE, "agent-test", "test", Duration.ofMillis(300),
                    Duration.ofSeconds(5), Duration.ofSeconds(10), true);
            try (ClusterAgent agent = new ClusterAgent(client, scanner, metrics, Clock.systemUTC(), settings).start()) {
                ServerSocketChannel listener = netns.fill(Family.IPv4, 8080, 16, 30);
                await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                    NodeBacklogReport r = report();
                    assertThat(r).isNotNull();
                    assertThat(r.getStatus()).as("written after its creation").isNotNull();
                    assertThat(r.getStatus().getListeners()).as("report %s", io.fabric8.kubernetes.client.utils.Serialization.asJson(r.getStatus()))
                            .singleElement().satisfies(l -> {
                        assertThat(l.getState()).isEqualTo(ListenerState.Saturated);
                        assertThat(l.getPod().getName()).isEqualTo("web-0");
                        assertThat(l.getPod().getNamespace()).isEqualTo("shop");
                        assertThat(l.getPod().getUid()).isEqualTo(uid);
                        assertThat(l.getPolicy()).isEqualTo("web");
                        assertThat(l.getDepth()).isEqualTo(17);
                        assertThat(l.getLimit()).isEqualTo(16);
                        assertThat(l.getLimitedBy()).isEqualTo("backlog");
                        assertThat(l.getFull()).as("17 queued on a limit of 16").isTrue();
                        assertThat(l.getOverflowsTotal()).isPositive();
                        assertThat(l.getNetns()).isEqualTo(netns.nsInode());
                    });
                    assertThat(r.getStatus().getPolicies()).singleElement().satisfies(p -> {
                        assertThat(p.getMatchedPods()).as("the pod of node-b is not this node's").isEqualTo(1);
                        assertThat(p.getSaturated()).isEqualTo(1);
                    });
                    assertThat(r.getStatus().getReader()).isEqualTo("netlink");
                    assertThat(stage.agentLease(NODE)).isNotNull();
                    String metricsBody = io.restassured.RestAssured.given().get("/q/metrics").then().extract().asString();
                    assertThat(metricsBody.lines().filter(m -> m.startsWith("backlog_listen_queue_depth{") && m.contains("pod=\"web-0\"")
                            && m.contains("namespace=\"shop\"") && m.contains("port=\"8080\"") && m.endsWith(" 17.0")))
                            .as("depth labelled with the pod").hasSize(1);
                    assertThat(metricsBody).contains("backlog_report_writes_total").contains("backlog_lease_renewals_total");
                });

                // The application catches up: it accepts everything queued, and the queue stays empty.
                List<SocketChannel> accepted = netns.inside(() -> drain(listener));
                assertThat(accepted).hasSizeGreaterThanOrEqualTo(17);
                await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                    drainQuietly(listener, accepted);
                    assertThat(report().getStatus()).isNotNull();
                    assertThat(report().getStatus().getListeners()).as("back to OK: out of the report").isEmpty();
                    assertThat(report().getStatus().getPolicies().getFirst().getSaturated()).isZero();
                });
                accepted.forEach(c -> {
                    try {
                        c.close();
                    } catch (Exception ignored) {
                        // Closed with the namespace.
                    }
                });
            }
        }
    }

    /** A fake node: one process of a burstable pod whose namespace is the real one. */
    private void podProcess(NetnsFixture netns, String uid) throws Exception {
        Path pid = Files.createDirectories(procRoot.resolve("4242"));
        Files.createSymbolicLink(pid.resolve("net"), Path.of("/proc", Long.toString(netns.holderPid()), "net"));
        Files.createSymbolicLink(pid.resolve("ns"), Path.of("/proc", Long.toString(netns.holderPid()), "ns"));
        Files.writeString(pid.resolve("cgroup"), "0::/kubepods/burstable/pod" + uid + "/" + CID + "\n");
    }

    private ClusterAgent agent(String node) {
        var scanner = new NodeScannerFactory(TestConfig.defaults(), Clock.systemUTC()).create(ReaderChoice.NETLINK, procRoot);
        var settings = new ClusterAgent.Settings(node, ChartInstall.AGENT_NAMESPACE, "agent-test", "test", Duration.ofMillis(300),
                Duration.ofSeconds(5), Duration.ofSeconds(10), true);
        return new ClusterAgent(client, scanner, metrics, Clock.systemUTC(), settings).start();
    }

    @Test
    void anAgentThatRestartsMidSaturationCarriesTheSaturationOnAndReportsNoRecovery() throws Exception {
        String node = "node-restart";
        String uid = stage.pod("restart", "web-0", node, Map.of("app", "web"));
        stage.policy("restart", "web", spec -> spec.setSustainFor("5s"));
        try (NetnsFixture netns = NetnsFixture.create()) {
            podProcess(netns, uid);
            netns.fill(Family.IPv4, 8080, 16, 30);
            String since;
            String firstUpdate;
            try (ClusterAgent first = agent(node)) {
                NodeBacklogReport r = await().atMost(Duration.ofSeconds(15)).until(() -> stage.report(node),
                        x -> x != null && x.getStatus() != null && x.getStatus().getListeners().size() == 1);
                since = r.getStatus().getListeners().getFirst().getSince();
                firstUpdate = r.getStatus().getUpdatedAt();
            }
            // A new agent (a new pod): new memory, new namespace keys, the same saturated queue. What it
            // writes is watched as the operator would see it, from its start until it has written.
            Thread.sleep(1100);
            List<String> seen = new ArrayList<>();
            try (ClusterAgent second = agent(node)) {
                long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                NodeBacklogReport r = stage.report(node);
                while (r.getStatus().getUpdatedAt().equals(firstUpdate) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                    r = stage.report(node);
                }
                assertThat(r.getStatus().getUpdatedAt()).as("the new agent has written").isNotEqualTo(firstUpdate);
                for (int i = 0; i < 20; i++) {
                    r.getStatus().getListeners().forEach(l -> seen.add(l.getState() + " since " + l.getSince()));
                    assertThat(r.getStatus().getListeners()).as("never a report without the saturation").hasSize(1);
                    Thread.sleep(100);
                    r = stage.report(node);
                }
            }
            assertThat(seen).as("one saturation, since when the first agent saw it").containsOnly("Saturated since " + since);
        }
    }

    @Test
    void aDeletedReportIsBackWithinAScanOnAQuietNode() throws Exception {
        String node = "node-deleted";
        stage.pod("deleted", "web-0", node, Map.of("app", "web"));
        try (ClusterAgent quiet = agent(node)) {
            await().atMost(Duration.ofSeconds(15)).until(() -> stage.report(node), r -> r != null && r.getStatus() != null);
            Thread.sleep(1000);
            stage.admin.resources(NodeBacklogReport.class).withName(node).delete();
            long deleted = System.nanoTime();
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                    .until(() -> stage.report(node), r -> r != null && r.getStatus() != null);
            System.out.printf("a deleted report was back after %d ms%n", (System.nanoTime() - deleted) / 1_000_000);
        }
    }

    @Test
    void aStuckScanLoopWithholdsTheHeartbeatAndItsEndResumesIt() throws Exception {
        String node = "node-stuck";
        stage.pod("stuck", "web-0", node, Map.of());
        var scanner = new NodeScannerFactory(TestConfig.defaults(), Clock.systemUTC()).create(ReaderChoice.NETLINK, procRoot);
        // Scans every 300 ms, renewals every second: a stall is 3 s.
        var settings = new ClusterAgent.Settings(node, ChartInstall.AGENT_NAMESPACE, "agent-test", "test", Duration.ofMillis(300),
                Duration.ofSeconds(5), Duration.ofSeconds(1), true);
        try (ClusterAgent agent = new ClusterAgent(client, scanner, metrics, Clock.systemUTC(), settings).start()) {
            await().atMost(Duration.ofSeconds(15)).until(() -> stage.report(node), r -> r != null && r.getStatus() != null);
            await().atMost(Duration.ofSeconds(5)).until(() -> stage.agentLease(node) != null);
            // The scan loop gets stuck: the scanner's own lock, held here, is what a scan waits for.
            java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
            Thread stuck = Thread.ofPlatform().start(() -> {
                synchronized (scanner) {
                    held.countDown();
                    try {
                        Thread.sleep(8000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            held.await();
            Thread.sleep(4500);
            String frozen = stage.agentLease(node).getSpec().getRenewTime().toString();
            Thread.sleep(2500);
            assertThat(stage.agentLease(node).getSpec().getRenewTime().toString()).as("no renewal while no scan completes")
                    .isEqualTo(frozen);
            String body = io.restassured.RestAssured.given().get("/q/metrics").then().extract().asString();
            assertThat(body).containsPattern("(?m)^backlog_lease_renewals_withheld_total [1-9]");
            stuck.join();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(stage.agentLease(node).getSpec().getRenewTime().toString())
                    .as("renewed again once scans complete").isNotEqualTo(frozen));
        }
    }

    @Test
    void thePodIndexHoldsThisNodesPodsOnlyAsTheServerSelectsThem() {
        stage.pod("idx", "here-0", "idx-node", Map.of());
        stage.pod("idx", "here-1", "idx-node", Map.of());
        stage.pod("idx", "there-0", "idx-other", Map.of());
        try (PodIndex index = new PodIndex(client, "idx-node", true)) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(index.all())
                    .extracting(p -> p.name()).containsExactlyInAnyOrder("here-0", "here-1"));
        }
    }

    private static List<SocketChannel> drain(ServerSocketChannel listener) throws Exception {
        List<SocketChannel> accepted = new ArrayList<>();
        listener.configureBlocking(false);
        drainQuietly(listener, accepted);
        return accepted;
    }

    private static void drainQuietly(ServerSocketChannel listener, List<SocketChannel> into) {
        try {
            SocketChannel c;
            while ((c = listener.accept()) != null) {
                into.add(c);
            }
        } catch (Exception ignored) {
            // Nothing more to accept.
        }
    }
}
