package dev.backlogsentinel.agent.cluster;

import dev.backlogsentinel.agent.NetnsFixture;
import dev.backlogsentinel.agent.RootRequired;
import dev.backlogsentinel.agent.TestConfig;
import dev.backlogsentinel.agent.kernel.Family;
import dev.backlogsentinel.agent.metrics.ScanMetrics;
import dev.backlogsentinel.agent.scan.NodeScannerFactory;
import dev.backlogsentinel.agent.scan.ReaderChoice;
import dev.backlogsentinel.api.ListenerState;
import dev.backlogsentinel.api.policy.BacklogPolicy;
import dev.backlogsentinel.api.policy.BacklogPolicySpec;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The API server goes away and comes back (same store, as a real one restarts over etcd): scans go
 * on meanwhile, and the report catches up with the kernel's own overflow total.
 */
@RootRequired
class ClusterAgentOutageTest {

    @TempDir
    Path procRoot;

    static KubernetesMockServer serve(KubernetesCrudDispatcher store, int port) {
        KubernetesMockServer s = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), store, false);
        s.init(InetAddress.getLoopbackAddress(), port);
        return s;
    }

    @Test
    void startUpNeverWaitsForAnApiServerThatIsNotThereAndCatchesUpWhenItComes() throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        KubernetesMockServer server = null;
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl("http://127.0.0.1:" + port)
                .withRequestRetryBackoffLimit(0).withConnectionTimeout(500).withRequestTimeout(2000).withNamespace("default").build())
                .build()) {
            var scanner = new NodeScannerFactory(TestConfig.defaults(), Clock.systemUTC()).create(ReaderChoice.NETLINK, Path.of("/proc"));
            var settings = new ClusterAgent.Settings("node-a", "backlog-sentinel", "agent-test", "test", Duration.ofMillis(200),
                    Duration.ofSeconds(1), Duration.ofSeconds(1), false);
            long t0 = System.nanoTime();
            try (ClusterAgent agent = new ClusterAgent(client, scanner, new ScanMetrics(registry), Clock.systemUTC(), settings).start()) {
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("start-up").isLessThan(Duration.ofSeconds(2));
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                        assertThat(registry.get("backlog.scan.duration").timer().count()).as("scanning").isGreaterThanOrEqualTo(5));

                // The API server comes up late, already holding this node's pod and a policy.
                KubernetesCrudDispatcher store = new KubernetesCrudDispatcher();
                server = serve(store, port);
                ReportWriterTest.installCrds(client);
                client.pods().inNamespace("kube-system").resource(new PodBuilder().withNewMetadata().withNamespace("kube-system")
                        .withName("late-0").endMetadata().withNewSpec().withNodeName("node-a").endSpec().build()).create();
                BacklogPolicy policy = new BacklogPolicy();
                policy.setMetadata(new ObjectMetaBuilder().withNamespace("kube-system").withName("all").withGeneration(1L).build());
                policy.setSpec(new BacklogPolicySpec());
                client.resource(policy).create();
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    NodeBacklogReport r = client.resources(NodeBacklogReport.class).withName("node-a").get();
                    assertThat(r).isNotNull();
                    assertThat(r.getStatus()).isNotNull();
                    assertThat(r.getStatus().getPolicies()).as("informers came back: the late pod is matched")
                            .singleElement().satisfies(p -> assertThat(p.getMatchedPods()).isEqualTo(1));
                });
            }
        } finally {
            if (server != null) {
                server.destroy();
            }
        }
    }

    @Test
    void scansGoOnDuringAnOutageAndTheReportCatchesUpWithTheKernel() throws Exception {
        KubernetesCrudDispatcher store = new KubernetesCrudDispatcher();
        KubernetesMockServer server = serve(store, 0);
        int port = server.getPort();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ScanMetrics metrics = new ScanMetrics(registry);
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:" + port).withRequestRetryBackoffLimit(0).withConnectionTimeout(500)
                .withRequestTimeout(2000).withNamespace("default").build()).build();
                NetnsFixture netns = NetnsFixture.create()) {
            ReportWriterTest.installCrds(client);
            String uid = client.pods().inNamespace("shop").resource(new PodBuilder().withNewMetadata().withNamespace("shop")
                    .withName("web-0").endMetadata().withNewSpec().withNodeName("node-a").endSpec().build()).create()
                    .getMetadata().getUid();
            BacklogPolicy policy = new BacklogPolicy();
            policy.setMetadata(new ObjectMetaBuilder().withNamespace("shop").withName("web").withGeneration(1L).build());
            BacklogPolicySpec spec = new BacklogPolicySpec();
            spec.setSustainFor("0s");
            policy.setSpec(spec);
            client.resource(policy).create();
            Path pid = Files.createDirectories(procRoot.resolve("4242"));
            Files.createSymbolicLink(pid.resolve("net"), Path.of("/proc", Long.toString(netns.holderPid()), "net"));
            Files.createSymbolicLink(pid.resolve("ns"), Path.of("/proc", Long.toString(netns.holderPid()), "ns"));
            Files.writeString(pid.resolve("cgroup"), "0::/kubepods/besteffort/pod" + uid + "/" + "cd".repeat(32) + "\n");

            var scanner = new NodeScannerFactory(TestConfig.defaults(), Clock.systemUTC()).create(ReaderChoice.NETLINK, procRoot);
            var settings = new ClusterAgent.Settings("node-a", "backlog-sentinel", "agent-test", "test", Duration.ofMillis(200),
                    Duration.ofSeconds(1), Duration.ofSeconds(1), false);
            try (ClusterAgent agent = new ClusterAgent(client, scanner, metrics, Clock.systemUTC(), settings).start()) {
                netns.fill(Family.IPv4, 8080, 16, 30);
                await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                    NodeBacklogReport r = client.resources(NodeBacklogReport.class).withName("node-a").get();
                    assertThat(r).isNotNull();
                    assertThat(r.getStatus()).isNotNull();
                    assertThat(r.getStatus().getListeners()).singleElement()
                            .satisfies(l -> assertThat(l.getState()).isEqualTo(ListenerState.Saturated));
                });

                server.destroy();
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

                server = serve(store, port);
                await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                    NodeBacklogReport r = client.resources(NodeBacklogReport.class).withName("node-a").get();
                    assertThat(r.getStatus().getListeners()).singleElement().satisfies(l -> {
                        assertThat(l.getOverflowsTotal()).as("the kernel's total").isEqualTo(kernelTotal);
                        assertThat(l.getDepth()).isEqualTo(17);
                    });
                });
            }
        } finally {
            server.destroy();
        }
    }
}
