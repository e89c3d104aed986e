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
import dev.backlogsentinel.testing.ApiServerProxy;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The API server becomes unreachable and comes back, with its store intact (as a real one restarts
 * over etcd, or a node's network returns): scans go on meanwhile, and the report catches up with the
 * kernel's own overflow total. The outage is a proxy in front of the real server that refuses
 * connections and tears down open ones; the agent runs as the chart's agent ServiceAccount.
 */
@RootRequired
class ClusterAgentOutageTest {

    @TempDir
    Path procRoot;

    Stage stage;
    ApiServerProxy proxy;

    @BeforeEach
    void setUp() {
        stage = new Stage();
        proxy = new ApiServerProxy(stage.server.port());
    }

    @AfterEach
    void tearDown() {
        proxy.close();
        stage.close();
    }

    KubernetesClient agentThroughProxy() {
        return stage.chart().agent().clientFor(proxy.url(), (Config c) -> {
            c.setRequestRetryBackoffLimit(0);
            c.setConnectionTimeout(500);
            c.setRequestTimeout(2000);
        });
    }

    @Test
    void startUpNeverWaitsForAnApiServerThatIsNotThereAndCatchesUpWhenItComes() {
        // The API server holds this node's pod and a policy, but cannot be reached when the agent starts.
        stage.pod("late", "late-0", "outage-late", Map.of());
        stage.policy("late", "all", spec -> { });
        proxy.cut();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (KubernetesClient client = agentThroughProxy()) {
            var scanner = new NodeScannerFactory(TestConfig.defaults(), Clock.systemUTC()).create(ReaderChoice.NETLINK, Path.of("/proc"));
            var settings = new ClusterAgent.Settings("outage-late", ChartInstall.AGENT_NAMESPACE, "agent-test", "test", Duration.ofMillis(200),
                    Duration.ofSeconds(1), Duration.ofSeconds(1), true);
            // The API server stays unreachable until start() has returned: a start that waited for it would
            // never return. The bound is for that case only, not a speed (a busy machine takes its time).
            ClusterAgent started = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60),
                    () -> new ClusterAgent(client, scanner, new ScanMetrics(registry, Clock.systemUTC()), Clock.systemUTC(), settings).start(),
                    "start-up waited for the API server");
            try (ClusterAgent agent = started) {
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                        assertThat(registry.get("backlog.scan.duration").timer().count()).as("scanning").isGreaterThanOrEqualTo(5));
                assertThat(stage.report("outage-late")).as("nothing got through").isNull();

                proxy.restore();
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    NodeBacklogReport r = stage.report("outage-late");
                    assertThat(r).isNotNull();
                    assertThat(r.getStatus()).isNotNull();
                    assertThat(r.getStatus().getPolicies()).as("informers came back: the pod is matched")
                            .singleElement().satisfies(p -> assertThat(p.getMatchedPods()).isEqualTo(1));
                });
            }
        }
    }

    @Test
    void scansGoOnDuringAnOutageAndTheReportCatchesUpWithTheKernel() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ScanMetrics metrics = new ScanMetrics(registry, Clock.systemUTC());
        String uid = stage.pod("outage", "web-0", "outage-node", Map.of());
        stage.policy("outage", "web", spec -> spec.setSustainFor("0s"));
        try (KubernetesClient client = agentThroughProxy(); NetnsFixture netns = NetnsFixture.create()) {
            Path pid = Files.createDirectories(procRoot.resolve("4242"));
            Files.createSymbolicLink(pid.resolve("net"), Path.of("/proc", Long.toString(netns.holderPid()), "net"));
            Files.createSymbolicLink(pid.resolve("ns"), Path.of("/proc", Long.toString(netns.holderPid()), "ns"));
            Files.writeString(pid.resolve("cgroup"), "0::/kubepods/besteffort/pod" + uid + "/" + "cd".repeat(32) + "\n");

            var scanner = new NodeScannerFactory(TestConfig.defaults(), Clock.systemUTC()).create(ReaderChoice.NETLINK, procRoot);
            var settings = new ClusterAgent.Settings("outage-node", ChartInstall.AGENT_NAMESPACE, "agent-test", "test", Duration.ofMillis(200),
                    Duration.ofSeconds(1), Duration.ofSeconds(1), true);
            try (ClusterAgent agent = new ClusterAgent(client, scanner, metrics, Clock.systemUTC(), settings).start()) {
                netns.fill(Family.IPv4, 8080, 16, 30);
                await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                    NodeBacklogReport r = stage.report("outage-node");
                    assertThat(r).isNotNull();
                    assertThat(r.getStatus()).isNotNull();
                    assertThat(r.getStatus().getListeners()).singleElement()
                            .satisfies(l -> assertThat(l.getState()).isEqualTo(ListenerState.Saturated));
                });

                proxy.cut();
                long scansBefore = registry.get("backlog.scan.duration").timer().count();
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    assertThat(registry.get("backlog.scan.duration").timer().count()).as("scans go on").isGreaterThan(scansBefore + 10);
                    assertThat(registry.get("backlog.report.write.failures").counter().count())
                            .as("retransmitted SYNs keep the overflow total moving, so writes are tried").isPositive();
                    assertThat(registry.get("backlog.lease.renewal.failures").counter().count()).isPositive();
                });
                // No more SYNs: the kernel's total stops where it is, the queue stays full.
                netns.closeClients();
                Thread.sleep(500);
                long kernelTotal = netns.listenOverflows();
                assertThat(stage.report("outage-node").getStatus().getListeners().getFirst().getOverflowsTotal())
                        .as("the server has not seen the latest total yet").isLessThan(kernelTotal);

                proxy.restore();
                await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                    NodeBacklogReport r = stage.report("outage-node");
                    assertThat(r.getStatus().getListeners()).singleElement().satisfies(l -> {
                        assertThat(l.getOverflowsTotal()).as("the kernel's total").isEqualTo(kernelTotal);
                        assertThat(l.getDepth()).isEqualTo(17);
                    });
                });
            }
        }
    }
}
