package dev.backlogsentinel.operator.bench;

import dev.backlogsentinel.api.ListenerState;
import dev.backlogsentinel.api.Patches;
import dev.backlogsentinel.api.policy.BacklogPolicy;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.api.report.NodeBacklogReportStatus;
import dev.backlogsentinel.api.report.PodRef;
import dev.backlogsentinel.api.report.PolicyCount;
import dev.backlogsentinel.api.report.ReportTotals;
import dev.backlogsentinel.api.report.ReportedListener;
import dev.backlogsentinel.testing.AuditLog;
import dev.backlogsentinel.testing.BenchmarkSizes;
import dev.backlogsentinel.testing.ChartInstall;
import dev.backlogsentinel.testing.Identity;
import dev.backlogsentinel.testing.MemoryCgroup;
import dev.backlogsentinel.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A long incident's write cost, on a real kube-apiserver with simulated nodes: N nodes with L
 * Saturated listeners each, whose depths change at every scan, for a long window. The simulated
 * agents write their reports as the agent does (a change goes out at most once per
 * reportMinInterval, 5 s in the chart) and renew their Leases every leaseRenewInterval (30 s); the
 * packaged operator runs as the chart runs it. Counted by the API server's audit log, per minute:
 * node-status patches, event writes, report patches, policy-status patches; and the BacklogPolicy
 * watch events one agent receives (every agent watches every policy), times N.
 *
 * <p>Nothing but depths changes in the window, so what the cluster shows should not move: the
 * targets are at most one nodes/status patch per node per minute, at most one policy-status patch
 * per policy per 10 s, and no policy watch event for the agents.
 *
 * <pre>
 * ./mvnw -Pbench -pl operator -am verify -Dit.test=IncidentBenchmark [-Dincident.nodes=100] [-Dincident.listeners=10]
 *        [-Dincident.seconds=600] [-Dincident.before=/path/to/an/earlier/operator/quarkus-run.jar] [-Dincident.after=none] [-Dbench.quick]
 * </pre>
 */
class IncidentBenchmark {

    static final String STAGE_USER = "system:serviceaccount:backlog-sentinel:bench-stage";
    static final int NODES = BenchmarkSizes.count("incident.nodes", 100, 10);
    static final int LISTENERS = BenchmarkSizes.count("incident.listeners", 10, 3);
    static final Duration WINDOW = BenchmarkSizes.seconds("incident.seconds", 600, 60);
    /** After every condition is True: the first events of the incident are its start, not its length. */
    static final Duration SETTLE = BenchmarkSizes.seconds("incident.settleSeconds", 20, 10);
    /** The chart's agent.reportMinInterval: a report whose depths change at every scan goes out this often. */
    static final Duration REPORT_EVERY = Duration.ofSeconds(5);
    /** The chart's agent.leaseRenewInterval. */
    static final Duration RENEW = Duration.ofSeconds(30);
    static final int LIMIT = 16;

    /** What one run counted in the window, per minute; policyWatchEvents is what one agent received. */
    record Figures(String variant, double minutes, Map<String, Integer> operator, Map<String, Integer> stage, int policyWatchEvents,
            int nodeWatchEvents, double rssMb, String fate) {

        double perMinute(Map<String, Integer> counts, String... keys) {
            int sum = 0;
            for (String k : keys) {
                sum += counts.getOrDefault(k, 0);
            }
            return sum / minutes;
        }
    }

    @Test
    void longIncident() throws Exception {
        String before = System.getProperty("incident.before", "");
        List<Figures> all = new ArrayList<>();
        if (!before.isBlank()) {
            all.add(run("before", Path.of(before)));
        }
        // -Dincident.after=none: the earlier operator alone (its figures, to set beside a later run's).
        String after = System.getProperty("incident.after", "target/quarkus-app/quarkus-run.jar");
        if (!after.equals("none")) {
            all.add(run("after", Path.of(after).toAbsolutePath()));
        }
        assertThat(all).as("an operator to measure: -Dincident.before, or the packaged one").isNotEmpty();
        print(all);
        for (Figures f : all) {
            assertThat(f.fate()).as("the %s operator ran the whole window", f.variant()).isEqualTo("ran");
            assertThat(f.stage().getOrDefault("patch nodebacklogreports/status", 0))
                    .as("the simulated agents wrote their reports in the window (%s)", f.variant()).isPositive();
        }
    }

    Figures run(String variant, Path jar) throws Exception {
        System.out.printf("%n== %s: %d nodes x %d Saturated listeners, depths changing every scan, %d s ==%n", variant, NODES, LISTENERS,
                WINDOW.toSeconds());
        String operatorUser = variant.equals("before") ? ScaleBenchmark.BEFORE_USER : ScaleBenchmark.OPERATOR_USER;
        AuditLog audit = AuditLog.of(List.of(operatorUser, STAGE_USER));
        try (TestApiServer server = TestApiServer.start(Duration.ofHours(1), audit.flags());
                KubernetesClient admin = server.admin()) {
            ChartInstall.Installed chart = ChartInstall.on(server);
            Identity stageIdentity = ScaleBenchmark.clusterAdmin(server, admin, "bench-stage");
            Identity operator = variant.equals("before") ? ScaleBenchmark.clusterAdmin(server, admin, "operator-before") : chart.operator();
            try (KubernetesClient stage = stageIdentity.clientFor(server.url(), c -> {
                c.setMaxConcurrentRequests(256);
                c.setMaxConcurrentRequestsPerHost(64);
            })) {
                ScaleBenchmark.layOut(stage, NODES);
                return measure(variant, jar, stage, operator, operatorUser, chart.operatorJavaOpts(), audit);
            }
        }
    }

    Figures measure(String variant, Path jar, KubernetesClient stage, Identity operator, String operatorUser, String javaOpts,
            AuditLog audit) throws Exception {
        int port = ScaleBenchmark.freePort();
        Path log = Files.createTempFile("incident-operator", ".log");
        Map<String, String> condition = new ConcurrentHashMap<>();
        AtomicInteger policyEvents = new AtomicInteger();
        AtomicInteger nodeEvents = new AtomicInteger();
        ScheduledExecutorService agents = Executors.newScheduledThreadPool(8);
        try (MemoryCgroup cgroup = MemoryCgroup.withLimit("bench-incident", 384L << 20)) {
            Process process = ScaleBenchmark.startOperator(jar, operator.kubeconfig(), javaOpts, cgroup, port, log);
            ScaleBenchmark.MemoryWatch memory = new ScaleBenchmark.MemoryWatch(process.pid(), port);
            try (Watch nodes = stage.nodes().watch(new ConditionWatch(condition, nodeEvents));
                    Watch policies = stage.resources(BacklogPolicy.class).inAnyNamespace().watch(new Counting<>(policyEvents))) {
                if (!ScaleBenchmark.waitFor(() -> condition.size() >= NODES, Duration.ofMinutes(5), process, memory)) {
                    throw new AssertionError("the operator wrote " + condition.size() + " of " + NODES + " conditions; log: " + log);
                }
                // The incident: every node's listeners saturate at once and stay so; only their depths move.
                String since = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
                for (int i = 0; i < NODES; i++) {
                    SimulatedAgent agent = new SimulatedAgent(stage, ScaleBenchmark.node(i), since);
                    agents.scheduleAtFixedRate(agent::report, REPORT_EVERY.toMillis() * i / NODES, REPORT_EVERY.toMillis(),
                            TimeUnit.MILLISECONDS);
                    String name = agent.node;
                    agents.scheduleAtFixedRate(() -> renew(stage, name), RENEW.toMillis() * i / NODES, RENEW.toMillis(),
                            TimeUnit.MILLISECONDS);
                }
                if (!ScaleBenchmark.waitFor(() -> condition.values().stream().filter("True"::equals).count() >= NODES,
                        Duration.ofMinutes(5), process, memory)) {
                    throw new AssertionError("the operator set " + condition.values().stream().filter("True"::equals).count()
                            + " of " + NODES + " conditions True; log: " + log);
                }
                Thread.sleep(SETTLE.toMillis());
                long mark = audit.mark();
                policyEvents.set(0);
                nodeEvents.set(0);
                long t0 = System.nanoTime();
                ScaleBenchmark.waitFor(() -> !process.isAlive(), WINDOW, process, memory);
                double minutes = ScaleBenchmark.seconds(t0) / 60;
                Map<String, Map<String, Integer>> counted = audit.since(mark);
                memory.sample();
                String fate = cgroup.oomKilled() ? "OOM-killed" : process.isAlive() ? "ran" : "exited " + process.exitValue();
                Figures f = new Figures(variant, minutes, counted.getOrDefault(operatorUser, Map.of()),
                        counted.getOrDefault(STAGE_USER, Map.of()), policyEvents.get(), nodeEvents.get(), memory.rssMb, fate);
                System.out.printf("%s: operator %s%nstage %s%npolicy watch events (one agent) %d, node watch events %d%n", variant,
                        f.operator(), f.stage(), f.policyWatchEvents(), f.nodeWatchEvents());
                return f;
            } finally {
                agents.shutdownNow();
                process.destroy();
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
                System.out.println("operator log: " + log);
            }
        }
    }

    static void renew(KubernetesClient stage, String node) {
        try {
            ScaleBenchmark.renew(stage, node);
        } catch (RuntimeException e) {
            // A renewal lost under load is what a real agent sees too; the next one comes.
        }
    }

    /** One node's agent in the incident: the same Saturated listeners at every report, with new depths. */
    static final class SimulatedAgent {
        final String node;
        final String since;
        final AtomicLong overflows = new AtomicLong();
        final KubernetesClient stage;

        SimulatedAgent(KubernetesClient stage, String node, String since) {
            this.stage = stage;
            this.node = node;
            this.since = since;
        }

        void report() {
            try {
                List<ReportedListener> listeners = new ArrayList<>();
                for (int k = 0; k < LISTENERS; k++) {
                    listeners.add(listener(k, ThreadLocalRandom.current().nextInt(LIMIT - 3, LIMIT + 2)));
                }
                NodeBacklogReportStatus status = new NodeBacklogReportStatus();
                status.setAgentVersion("bench");
                status.setReader("netlink");
                status.setUpdatedAt(Instant.now().toString());
                status.setTotals(new ReportTotals(LISTENERS + 1, LISTENERS + 20, LISTENERS));
                status.setPolicies(List.of(new PolicyCount("shop", "web", LISTENERS, LISTENERS, 0, LISTENERS)));
                status.setListeners(listeners);
                stage.resources(NodeBacklogReport.class).resource(Patches.target(new NodeBacklogReport(), null, node))
                        .subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(Map.of("status", status)));
            } catch (RuntimeException e) {
                // As the agent: the next report carries the latest truth.
            }
        }

        ReportedListener listener(int k, int depth) {
            ReportedListener l = new ReportedListener();
            l.setPolicy("web");
            String pod = "web-" + node + "-" + k;
            l.setPod(new PodRef("shop", pod, UUID.nameUUIDFromBytes(pod.getBytes()).toString()));
            l.setNetns(4026532280L + k);
            l.setFamily("IPv4");
            l.setAddress("0.0.0.0");
            l.setPort(8080);
            l.setState(ListenerState.Saturated);
            l.setSince(since);
            l.setDepth(depth);
            l.setPeakDepth(LIMIT + 1);
            l.setLimit(LIMIT);
            l.setLimitedBy("backlog");
            l.setSynRecv(0);
            l.setOverflowsTotal(overflows.addAndGet(3));
            l.setDropsTotal(overflows.get());
            return l;
        }
    }

    /** Each node's ListenQueuePressure status as watched; counts every node watch event. */
    record ConditionWatch(Map<String, String> condition, AtomicInteger events) implements Watcher<Node> {
        @Override
        public void eventReceived(Action action, Node node) {
            events.incrementAndGet();
            if (node.getStatus() == null || node.getStatus().getConditions() == null) {
                return;
            }
            for (NodeCondition c : node.getStatus().getConditions()) {
                if (c.getType().equals("ListenQueuePressure")) {
                    condition.put(node.getMetadata().getName(), c.getStatus());
                }
            }
        }

        @Override
        public void onClose(WatcherException cause) {
        }
    }

    /** Counts what a watch delivers, as an agent's informer would receive it. */
    record Counting<T>(AtomicInteger events) implements Watcher<T> {
        @Override
        public void eventReceived(Action action, T resource) {
            events.incrementAndGet();
        }

        @Override
        public void onClose(WatcherException cause) {
        }
    }

    static void print(List<Figures> all) {
        StringBuilder out = new StringBuilder(String.format("%n=== A long incident: %d nodes x %d Saturated listeners, depths changing every "
                + "scan (real kube-apiserver, simulated agents; requests counted by its audit log) ===%n", NODES, LISTENERS));
        out.append(BenchmarkSizes.banner());
        Figures b = all.stream().filter(f -> f.variant().equals("before")).findFirst().orElse(null);
        Figures a = all.stream().filter(f -> f.variant().equals("after")).findFirst().orElse(null);
        for (Figures f : all) {
            out.append(String.format("window (%s): %.1f min%n", f.variant(), f.minutes()));
        }
        out.append(String.format("%-58s %10s %10s   %s%n", "per minute", "before", "after", "target"));
        Map<String, java.util.function.ToDoubleFunction<Figures>> rows = new LinkedHashMap<>();
        rows.put("nodes/status patches (operator)", f -> f.perMinute(f.operator(), "patch nodes/status"));
        rows.put("  per node", f -> f.perMinute(f.operator(), "patch nodes/status") / NODES);
        rows.put("event writes (operator: create + patch)", f -> f.perMinute(f.operator(), "create events", "patch events"));
        rows.put("report status patches (agents)", f -> f.perMinute(f.stage(), "patch nodebacklogreports/status"));
        rows.put("report patches (operator's memory annotation)", f -> f.perMinute(f.operator(), "patch nodebacklogreports"));
        rows.put("policy-status patches (operator; 1 policy)", f -> f.perMinute(f.operator(), "patch backlogpolicies/status"));
        rows.put("policy watch events delivered to agents (all N)", f -> f.policyWatchEvents() * (double) NODES / f.minutes());
        rows.put("node watch events (any Node watcher)", f -> f.nodeWatchEvents() / f.minutes());
        rows.put("operator requests, all (leader Lease incl.)", f -> f.operator().values().stream().mapToInt(Integer::intValue).sum()
                / f.minutes());
        Map<String, String> targets = Map.of("  per node", "<= 1", "policy-status patches (operator; 1 policy)", "<= 6",
                "policy watch events delivered to agents (all N)", "0");
        rows.forEach((label, value) -> out.append(String.format("%-58s %10s %10s   %s%n", label,
                b == null ? "-" : String.format("%.1f", value.applyAsDouble(b)), a == null ? "-" : String.format("%.1f", value.applyAsDouble(a)),
                targets.getOrDefault(label, ""))));
        out.append(String.format("%-58s %10s %10s%n", "operator RSS, peak (MB; limit 384Mi)", b == null ? "-" : String.format("%.0f", b.rssMb()),
                a == null ? "-" : String.format("%.0f", a.rssMb())));
        System.out.println(out);
    }
}
