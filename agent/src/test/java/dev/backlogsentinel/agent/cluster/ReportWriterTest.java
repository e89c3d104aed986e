package dev.backlogsentinel.agent.cluster;

import dev.backlogsentinel.testing.ChartInstall;
import dev.backlogsentinel.agent.attribution.NetnsAttribution;
import dev.backlogsentinel.agent.kernel.Endpoint;
import dev.backlogsentinel.agent.kernel.Family;
import dev.backlogsentinel.agent.kernel.NetnsCounters;
import dev.backlogsentinel.agent.kernel.NetnsKnobs;
import dev.backlogsentinel.agent.kernel.ReaderKind;
import dev.backlogsentinel.agent.policy.Evaluation;
import dev.backlogsentinel.agent.attribution.PodInfo;
import dev.backlogsentinel.agent.policy.PolicyEvaluator;
import dev.backlogsentinel.agent.scan.LimitedBy;
import dev.backlogsentinel.agent.scan.ListenerFinding;
import dev.backlogsentinel.agent.scan.NetnsScan;
import dev.backlogsentinel.agent.scan.NodeScan;
import dev.backlogsentinel.agent.kernel.ScanErrors;
import dev.backlogsentinel.api.ListenerState;
import dev.backlogsentinel.api.policy.BacklogPolicy;
import dev.backlogsentinel.api.policy.BacklogPolicySpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import dev.backlogsentinel.testing.ApiServerProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The report and the Lease against the real API server, as the chart's agent ServiceAccount, on a
 * simulated clock. Each test has a node of its own.
 */
class ReportWriterTest {

    static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");
    static final PodInfo WEB = new PodInfo("shop", "web-0", "uid-web", Map.of("app", "web"), false);

    Stage stage;
    KubernetesClient client;

    @BeforeEach
    void start() {
        stage = new Stage();
        client = stage.agent();
    }

    @AfterEach
    void stop() {
        client.close();
        stage.close();
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
                new NetnsKnobs(4096, 1, 0, 512), new NetnsCounters(overflows, overflows, 0, 0, 0), new NetnsCounters(delta, delta, 0, 0, 0),
                java.time.Duration.ofSeconds(2), List.of(l));
        return new NodeScan(at, Duration.ofMillis(2), "netlink", null, List.of(ns), new ScanErrors());
    }

    static ReportBuilder.Built judge(PolicyEvaluator evaluator, NodeScan scan) {
        Evaluation e = evaluator.evaluate(scan, List.of(WEB), ns -> l -> WEB, List.of(policy()));
        return ReportBuilder.build(scan, e, "test");
    }


    @Test
    void tenMinutesOfSteadySaturationWriteOnceThenOnlyRefreshesThatChangedSomething() {
        PolicyEvaluator evaluator = new PolicyEvaluator();
        ReportWriter writer = new ReportWriter(client, "rw-steady", Duration.ofSeconds(5));
        // First 5 minutes: nothing moves at all (a queue full and idle: no new SYNs).
        for (int s = 0; s < 300; s += 2) {
            writer.offer(judge(evaluator, fullScan(T0.plusSeconds(s), 65, s == 0 ? 0 : 0)), T0.plusSeconds(s));
        }
        assertThat(writer.writes()).as("one write: the Saturated listener appearing").isEqualTo(1);
        assertThat(stage.report("rw-steady").getStatus().getListeners()).singleElement().satisfies(l -> {
            assertThat(l.getState()).isEqualTo(ListenerState.Saturated);
            assertThat(l.getPod().getName()).isEqualTo("web-0");
            assertThat(l.getDepth()).isEqualTo(17);
            assertThat(l.getLimit()).isEqualTo(16);
            assertThat(l.getFull()).as("the agent says it is full").isTrue();
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
        assertThat(stage.report("rw-steady").getStatus().getListeners().getFirst().getOverflowsTotal()).isGreaterThan(65);
    }

    /** One scan of an empty node: the report's shape differs from a full listener's. */
    static NodeScan emptyScan(Instant at) {
        NetnsScan ns = new NetnsScan(42, 4026532280L, ReaderKind.NETLINK,
                new NetnsAttribution(NetnsAttribution.Kind.POD, "uid-web", List.of(), null, null), List.of(7),
                new NetnsKnobs(4096, 1, 0, 512), new NetnsCounters(0, 0, 0, 0, 0), null, null, List.of());
        return new NodeScan(at, Duration.ofMillis(2), "netlink", null, List.of(ns), new ScanErrors());
    }

    @Test
    void aListenerFlappingEveryHalfSecondCostsOneWritePerIntervalAndTheFirstChangeGoesOutAtOnce() {
        PolicyEvaluator evaluator = new PolicyEvaluator();
        ReportWriter writer = new ReportWriter(client, "rw-flap", Duration.ofSeconds(5));
        assertThat(writer.offer(judge(evaluator, emptyScan(T0)), T0)).as("a quiet node's first write").isTrue();
        assertThat(writer.offer(judge(evaluator, fullScan(T0.plusSeconds(60), 65, 0)), T0.plusSeconds(60)))
                .as("Saturated after a quiet minute: written at once").isTrue();
        // Then a minute of flapping: full, empty, full... every 500 ms (the writer thread's pace).
        for (int ms = 60_500; ms < 120_000; ms += 500) {
            Instant at = T0.plusMillis(ms);
            NodeScan scan = (ms / 500) % 2 == 0 ? fullScan(at, 65, 0) : emptyScan(at);
            writer.offer(judge(evaluator, scan), at);
        }
        assertThat(writer.writes()).as("2, then one per 5 s over 59.5 s").isBetween(2 + 11, 2 + 12);
    }

    @Test
    void theReportIsOwnedByItsNodeAsTheKubeletsLeaseNamesIt() {
        stage.kubeletLease("rw-owned", "node-uid-1");
        new ReportWriter(client, "rw-owned", Duration.ofSeconds(5)).offer(judge(new PolicyEvaluator(), fullScan(T0, 1, 0)), T0);
        assertThat(stage.report("rw-owned").getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
            assertThat(o.getKind()).isEqualTo("Node");
            assertThat(o.getName()).isEqualTo("rw-owned");
            assertThat(o.getUid()).isEqualTo("node-uid-1");
        });
    }

    @Test
    void theLeaseIsOwnedByItsNodeTooSoItGoesWithTheNode() {
        stage.kubeletLease("rw-lease-owned", "node-uid-2");
        new AgentLease(client, ChartInstall.AGENT_NAMESPACE, "rw-lease-owned", "agent-x", Duration.ofSeconds(10), Clock.systemUTC()).renew();
        assertThat(stage.agentLease("rw-lease-owned").getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
            assertThat(o.getKind()).isEqualTo("Node");
            assertThat(o.getName()).isEqualTo("rw-lease-owned");
            assertThat(o.getUid()).isEqualTo("node-uid-2");
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
        AgentLease lease = new AgentLease(client, ChartInstall.AGENT_NAMESPACE, "rw-lease", "agent-x", Duration.ofSeconds(10), clock);
        for (int s = 0; s <= 600; s += 10) {
            now[0] = T0.plusSeconds(s);
            assertThat(lease.renew()).isTrue();
        }
        var l = stage.agentLease("rw-lease");
        assertThat(l.getSpec().getRenewTime().toInstant()).isEqualTo(T0.plusSeconds(600));
        assertThat(l.getSpec().getHolderIdentity()).isEqualTo("agent-x");
        assertThat(l.getSpec().getLeaseDurationSeconds()).isEqualTo(40);
    }

    @Test
    void duringAnApiOutageScansGoOnAndTheReportCatchesUpWithTheKernelsTotals() {
        PolicyEvaluator evaluator = new PolicyEvaluator();
        try (ApiServerProxy proxy = new ApiServerProxy(stage.server.port());
                KubernetesClient through = stage.chart().agent().clientFor(proxy.url(), c -> {
                    c.setRequestRetryBackoffLimit(0);
                    c.setConnectionTimeout(500);
                    c.setRequestTimeout(2000);
                })) {
            ReportWriter writer = new ReportWriter(through, "rw-outage", Duration.ofSeconds(5));
            assertThat(writer.offer(judge(evaluator, fullScan(T0, 65, 0)), T0)).isTrue();

            proxy.cut();
            AgentLease lease = new AgentLease(through, ChartInstall.AGENT_NAMESPACE, "rw-outage", "agent-x", Duration.ofSeconds(10),
                    Clock.systemUTC());
            assertThat(lease.renew()).as("API away: renewal fails, nothing throws").isFalse();
            long overflows = 65;
            int s = 2;
            for (; s <= 60; s += 2) {
                overflows += 7;
                assertThat(writer.offer(judge(evaluator, fullScan(T0.plusSeconds(s), overflows, 7)), T0.plusSeconds(s))).isFalse();
            }
            assertThat(writer.failures()).as("retried with backoff, not every scan").isBetween(3, 8);

            proxy.restore();
            boolean written = false;
            for (; !written && s <= 200; s += 2) {
                overflows += 7;
                written = writer.offer(judge(evaluator, fullScan(T0.plusSeconds(s), overflows, 7)), T0.plusSeconds(s));
            }
            assertThat(written).as("caught up once the API is back").isTrue();
            assertThat(stage.report("rw-outage").getStatus().getListeners().getFirst().getOverflowsTotal()).as("the kernel's latest total")
                    .isEqualTo(overflows);
            assertThat(lease.renew()).isTrue();
        }
    }
}
