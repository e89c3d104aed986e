package dev.backlogsentinel.agent.cluster;

import dev.backlogsentinel.agent.attribution.NetnsAttribution;
import dev.backlogsentinel.agent.kernel.Endpoint;
import dev.backlogsentinel.agent.kernel.Family;
import dev.backlogsentinel.agent.kernel.NetnsCounters;
import dev.backlogsentinel.agent.kernel.ReaderKind;
import dev.backlogsentinel.agent.policy.Evaluation;
import dev.backlogsentinel.agent.policy.PodInfo;
import dev.backlogsentinel.agent.policy.PolicyEvaluator;
import dev.backlogsentinel.agent.scan.LimitedBy;
import dev.backlogsentinel.agent.scan.ListenerFinding;
import dev.backlogsentinel.agent.scan.NetnsScan;
import dev.backlogsentinel.agent.scan.NodeScan;
import dev.backlogsentinel.agent.scan.ScanErrors;
import dev.backlogsentinel.api.ListenerState;
import dev.backlogsentinel.api.policy.BacklogPolicy;
import dev.backlogsentinel.api.policy.BacklogPolicySpec;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The report and the Lease against a real (mock) API server, on a simulated clock. */
class ReportWriterTest {

    static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");
    static final PodInfo WEB = new PodInfo("shop", "web-0", "uid-web", Map.of("app", "web"), false);

    KubernetesMockServer server;
    KubernetesClient client;
    int port;

    @BeforeEach
    void start() throws Exception {
        server = newServer(0);
        port = server.getPort();
        client = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl("http://127.0.0.1:" + port)
                .withRequestRetryBackoffLimit(0).withConnectionTimeout(500).withNamespace("default").build()).build();
        installCrds(client);
    }

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    static KubernetesMockServer newServer(int port) {
        KubernetesMockServer s = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        s.init(InetAddress.getLoopbackAddress(), port);
        return s;
    }

    static void installCrds(KubernetesClient client) throws Exception {
        try (var files = Files.list(Path.of("../crds"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                client.apiextensions().v1().customResourceDefinitions()
                        .resource(Serialization.unmarshal(Files.readString(f), CustomResourceDefinition.class)).create();
            }
        }
    }

    static BacklogPolicy policy() {
        BacklogPolicy p = new BacklogPolicy();
        p.setMetadata(new ObjectMetaBuilder().withNamespace("shop").withName("web").withUid("p1").withGeneration(1L).build());
        BacklogPolicySpec spec = new BacklogPolicySpec();
        spec.setSustainFor("0s");
        p.setSpec(spec);
        return p;
    }

    /** One scan of a full listen(16) queue whose namespace has dropped {@code overflows} packets so far. */
    static NodeScan fullScan(Instant at, long overflows, long delta) {
        ListenerFinding l = ListenerFinding.of(new Endpoint(Family.IPv4, "127.0.0.1", 8080), 1, 17, 16, LimitedBy.BACKLOG, 0, null);
        NetnsScan ns = new NetnsScan(42, 4026532280L, ReaderKind.NETLINK,
                new NetnsAttribution(NetnsAttribution.Kind.POD, "uid-web", List.of(), null, null), List.of(7),
                4096, new NetnsCounters(overflows, overflows, 0, 0, 0, 0), new NetnsCounters(delta, delta, 0, 0, 0, 0), List.of(l));
        return new NodeScan(at, Duration.ofMillis(2), "netlink", null, List.of(ns), new ScanErrors());
    }

    static ReportBuilder.Built judge(PolicyEvaluator evaluator, NodeScan scan) {
        Evaluation e = evaluator.evaluate(scan, List.of(WEB), ns -> l -> WEB, List.of(policy()));
        return ReportBuilder.build(scan, e, "test");
    }

    NodeBacklogReport report() {
        return client.resources(NodeBacklogReport.class).withName("node-a").get();
    }

    @Test
    void tenMinutesOfSteadySaturationWriteOnceThenOnlyRefreshesThatChangedSomething() {
        PolicyEvaluator evaluator = new PolicyEvaluator();
        ReportWriter writer = new ReportWriter(client, "node-a", Duration.ofSeconds(5));
        // First 5 minutes: nothing moves at all (a queue full and idle: no new SYNs).
        for (int s = 0; s < 300; s += 2) {
            writer.offer(judge(evaluator, fullScan(T0.plusSeconds(s), 65, s == 0 ? 0 : 0)), T0.plusSeconds(s));
        }
        assertThat(writer.writes()).as("one write: the Saturated listener appearing").isEqualTo(1);
        assertThat(report().getStatus().getListeners()).singleElement().satisfies(l -> {
            assertThat(l.getState()).isEqualTo(ListenerState.Saturated);
            assertThat(l.getPod().getName()).isEqualTo("web-0");
            assertThat(l.getDepth()).isEqualTo(17);
            assertThat(l.getLimit()).isEqualTo(16);
        });
        // Next 5 minutes, scans every 2 s: the overflow total climbs every scan, so values change
        // every scan, and are refreshed no more often than every 5 s (here every 6 s: 3 scans).
        long overflows = 65;
        for (int s = 300; s < 600; s += 2) {
            overflows += 5;
            writer.offer(judge(evaluator, fullScan(T0.plusSeconds(s), overflows, 5)), T0.plusSeconds(s));
        }
        assertThat(writer.writes()).isEqualTo(1 + 50);
        assertThat(writer.failures()).isZero();
        assertThat(report().getStatus().getListeners().getFirst().getOverflowsTotal()).isGreaterThan(65);
    }

    @Test
    void theReportIsOwnedByItsNodeAsTheKubeletsLeaseNamesIt() {
        client.leases().inNamespace("kube-node-lease").resource(new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder()
                .withNewMetadata().withNamespace("kube-node-lease").withName("node-a").addNewOwnerReference().withApiVersion("v1")
                .withKind("Node").withName("node-a").withUid("node-uid-1").endOwnerReference().endMetadata().build()).create();
        new ReportWriter(client, "node-a", Duration.ofSeconds(5)).offer(judge(new PolicyEvaluator(), fullScan(T0, 1, 0)), T0);
        assertThat(report().getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
            assertThat(o.getKind()).isEqualTo("Node");
            assertThat(o.getName()).isEqualTo("node-a");
            assertThat(o.getUid()).isEqualTo("node-uid-1");
        });
    }

    @Test
    void theLeaseRenewsOnTheClock() {
        Instant[] now = {T0};
        Clock clock = new Clock() {
            @Override public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
            @Override public Clock withZone(java.time.ZoneId zone) { return this; }
            @Override public Instant instant() { return now[0]; }
        };
        AgentLease lease = new AgentLease(client, "backlog-sentinel", "node-a", "agent-x", Duration.ofSeconds(10), clock);
        for (int s = 0; s <= 600; s += 10) {
            now[0] = T0.plusSeconds(s);
            assertThat(lease.renew()).isTrue();
        }
        var l = client.leases().inNamespace("backlog-sentinel").withName("backlog-sentinel-agent-node-a").get();
        assertThat(l.getSpec().getRenewTime().toInstant()).isEqualTo(T0.plusSeconds(600));
        assertThat(l.getSpec().getHolderIdentity()).isEqualTo("agent-x");
        assertThat(l.getSpec().getLeaseDurationSeconds()).isEqualTo(40);
    }

    @Test
    void duringAnApiOutageScansGoOnAndTheReportCatchesUpWithTheKernelsTotals() throws Exception {
        PolicyEvaluator evaluator = new PolicyEvaluator();
        ReportWriter writer = new ReportWriter(client, "node-a", Duration.ofSeconds(5));
        assertThat(writer.offer(judge(evaluator, fullScan(T0, 65, 0)), T0)).isTrue();

        server.destroy();
        AgentLease lease = new AgentLease(client, "backlog-sentinel", "node-a", "agent-x", Duration.ofSeconds(10), Clock.systemUTC());
        assertThat(lease.renew()).as("API away: renewal fails, nothing throws").isFalse();
        long overflows = 65;
        int s = 2;
        for (; s <= 60; s += 2) {
            overflows += 7;
            assertThat(writer.offer(judge(evaluator, fullScan(T0.plusSeconds(s), overflows, 7)), T0.plusSeconds(s))).isFalse();
        }
        assertThat(writer.failures()).as("retried with backoff, not every scan").isBetween(3, 8);

        server = newServer(port);
        installCrds(client);
        boolean written = false;
        for (; !written && s <= 200; s += 2) {
            overflows += 7;
            written = writer.offer(judge(evaluator, fullScan(T0.plusSeconds(s), overflows, 7)), T0.plusSeconds(s));
        }
        assertThat(written).as("caught up once the API is back").isTrue();
        assertThat(report().getStatus().getListeners().getFirst().getOverflowsTotal()).as("the kernel's latest total")
                .isEqualTo(overflows);
        assertThat(lease.renew()).isTrue();
    }
}
