package dev.backlogsentinel.operator.bench;

import dev.backlogsentinel.api.report.ReportedListener;
import dev.backlogsentinel.testing.ApiServerProxy;
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
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operator's own API outage, on a real kube-apiserver with simulated nodes: the packaged
 * operator reaches the server through an {@link ApiServerProxy}, which is cut for three minutes
 * while the agents go on renewing their Leases and writing their reports directly. The operator
 * loses its leadership and exits, as it must; a supervisor restarts it with the kubelet's
 * CrashLoopBackOff (10 s, doubling). During the outage some things really change: a few nodes'
 * listeners saturate, and one agent dies.
 *
 * <p>What it must show: no node goes Unknown because the operator could not see the renewals (only
 * the dead agent's node does), the saturated nodes' conditions and events arrive after the
 * outage, and the writes after recovery stay within the steady budget for the same length of time
 * plus what really changed. The server's audit log counts every request; the figures are printed
 * per resource, steady against after-recovery against the budget.
 *
 * <pre>
 * ./mvnw -Pbench -pl operator -am verify -Dit.test=OutageBenchmark [-Doutage.nodes=500] [-Doutage.seconds=180]
 *        [-Doutage.graceSeconds=100] [-Doutage.saturated=10] [-Doutage.windowSeconds=180] [-Dbench.quick]
 * </pre>
 */
class OutageBenchmark {

    static final int NODES = BenchmarkSizes.count("outage.nodes", 500, 30);
    /** The operator's agentGrace: the chart's 100 s; the quick form shortens it, and the outage with it, keeping the outage longer. */
    static final Duration GRACE = BenchmarkSizes.seconds("outage.graceSeconds", 100, 20);
    static final Duration OUTAGE = BenchmarkSizes.seconds("outage.seconds", 180, 40);
    /** Nodes whose listeners saturate during the outage: what really changed. */
    static final int SATURATED = BenchmarkSizes.count("outage.saturated", 10, 3);
    /** The steady window before the outage, and the window after it whose writes are budgeted (as long: the dead agent's grace fits). */
    static final Duration WINDOW = BenchmarkSizes.seconds("outage.windowSeconds", 180, 60);
    /** The chart's agent.leaseRenewInterval (30 s, within its 100 s grace); the quick form's shorter grace needs a shorter one. */
    static final Duration RENEW = BenchmarkSizes.seconds("outage.renewSeconds", 30, 5);

    /** Requests of one window, by "verb resource". */
    record Window(Duration length, Map<String, Integer> requests) {
    }

    @Test
    void operatorOutage() throws Exception {
        AuditLog audit = AuditLog.of(List.of(ScaleBenchmark.OPERATOR_USER));
        try (TestApiServer server = TestApiServer.start(Duration.ofHours(1), audit.flags());
                KubernetesClient admin = server.admin();
                ApiServerProxy proxy = new ApiServerProxy(server.port())) {
            ChartInstall.Installed chart = ChartInstall.on(server);
            Identity stageIdentity = ScaleBenchmark.clusterAdmin(server, admin, "bench-stage");
            try (KubernetesClient stage = stageIdentity.clientFor(server.url(), c -> {
                c.setMaxConcurrentRequests(256);
                c.setMaxConcurrentRequestsPerHost(64);
            })) {
                ScaleBenchmark.layOut(stage, NODES);
                run(stage, chart.operator().kubeconfigFor(proxy.url(), "proxied"), chart.operatorJavaOpts(), proxy, audit);
            }
        }
    }

    void run(KubernetesClient stage, Path kubeconfig, String javaOpts, ApiServerProxy proxy, AuditLog audit) throws Exception {
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();
        Path log = Files.createTempFile("outage-operator", ".log");
        String dead = ScaleBenchmark.node(NODES - 1);
        Set<String> renewing = ConcurrentHashMap.newKeySet();
        Map<String, String> condition = new ConcurrentHashMap<>();
        Set<String> everUnknown = ConcurrentHashMap.newKeySet();
        ScheduledExecutorService agents = Executors.newScheduledThreadPool(8);
        try (MemoryCgroup cgroup = MemoryCgroup.withLimit("bench-outage", 384L << 20);
                Supervisor operator = new Supervisor(() -> ScaleBenchmark.startOperator(jar, kubeconfig, javaOpts, cgroup,
                        ScaleBenchmark.freePort(), log, Map.of("BACKLOG_OPERATOR_AGENT_GRACE", GRACE.toSeconds() + "s")));
                Watch nodes = stage.nodes().watch(new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, Node node) {
                        if (node.getStatus() == null || node.getStatus().getConditions() == null) {
                            return;
                        }
                        for (NodeCondition c : node.getStatus().getConditions()) {
                            if (c.getType().equals("ListenQueuePressure")) {
                                condition.put(node.getMetadata().getName(), c.getStatus());
                                if (c.getStatus().equals("Unknown")) {
                                    everUnknown.add(node.getMetadata().getName());
                                }
                            }
                        }
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                    }
                })) {
            for (int i = 0; i < NODES; i++) {
                String name = ScaleBenchmark.node(i);
                renewing.add(name);
                agents.scheduleAtFixedRate(() -> {
                    if (renewing.contains(name)) {
                        IncidentBenchmark.renew(stage, name);
                    }
                }, RENEW.toMillis() * i / NODES, RENEW.toMillis(), TimeUnit.MILLISECONDS);
            }
            operator.start();
            await("every node's condition written", () -> condition.size() >= NODES, Duration.ofMinutes(5), log);
            Thread.sleep(15_000);
            System.out.printf("start-up: %d conditions; steady window of %d s%n", condition.size(), WINDOW.toSeconds());
            long mark = audit.mark();
            Thread.sleep(WINDOW.toMillis());
            assertThat(everUnknown).as("no node Unknown before the outage (renewals every %s, grace %s)", RENEW, GRACE).isEmpty();
            Window steady = new Window(WINDOW, audit.since(mark).getOrDefault(ScaleBenchmark.OPERATOR_USER, Map.of()));

            System.out.printf("outage: the operator's connection cut for %d s%n", OUTAGE.toSeconds());
            proxy.cut();
            long cutAt = System.nanoTime();
            renewing.remove(dead);
            Thread.sleep(OUTAGE.toMillis() / 3);
            for (int i = 0; i < SATURATED; i++) {
                List<ReportedListener> listeners = new ArrayList<>(ScaleBenchmark.warnings(ScaleBenchmark.node(i)));
                listeners.add(ScaleBenchmark.saturated(i));
                ScaleBenchmark.writeStatus(stage, ScaleBenchmark.node(i), listeners);
            }
            Thread.sleep(Math.max(0, OUTAGE.toMillis() - (System.nanoTime() - cutAt) / 1_000_000));
            proxy.restore();
            long restoredAt = System.nanoTime();
            mark = audit.mark();
            System.out.printf("restored after %.0f s; %d operator starts so far%n", (restoredAt - cutAt) / 1e9, operator.starts());
            await("the saturated nodes True", () -> java.util.stream.IntStream.range(0, SATURATED)
                    .allMatch(i -> "True".equals(condition.get(ScaleBenchmark.node(i)))), WINDOW, log);
            double saturatedAfter = (System.nanoTime() - restoredAt) / 1e9;
            Thread.sleep(Math.max(0, WINDOW.toMillis() - (System.nanoTime() - restoredAt) / 1_000_000));
            Window recovery = new Window(WINDOW, audit.since(mark).getOrDefault(ScaleBenchmark.OPERATOR_USER, Map.of()));

            // The saturation goes on after the outage: its pod events are raised once a minute (event-refresh-interval).
            int raises = (int) Math.ceil(WINDOW.toSeconds() / 60.0);
            Map<String, Integer> changed = new TreeMap<>(Map.of(
                    // the saturated nodes' conditions, and the dead agent's node going Unknown
                    "patch nodes/status", SATURATED + 1,
                    // per saturated node: its node event and its pod's Saturated and Overflow; the dead node's NotReporting
                    "create events", 3 * SATURATED + 1,
                    // the two pod events of each saturated node raised again each minute
                    "patch events", 2 * SATURATED * raises,
                    // the memory of what was said: once per node that said something new, and at each raise
                    "patch nodebacklogreports", SATURATED + 1 + SATURATED * raises,
                    // the policy's counts moved: at most once per node that changed (and at most once per 10 s)
                    "patch backlogpolicies/status", SATURATED));
            print(steady, recovery, changed, operator.starts(), saturatedAfter, everUnknown, dead, condition.get(dead));
            assertThat(everUnknown).as("only the dead agent's node went Unknown").containsExactly(dead);
            for (Map.Entry<String, Integer> e : recovery.requests().entrySet()) {
                if (isWrite(e.getKey())) {
                    assertThat(e.getValue()).as("%s after recovery, against the steady budget plus what changed", e.getKey())
                            .isLessThanOrEqualTo(budget(steady, changed, e.getKey()));
                }
            }
        } finally {
            agents.shutdownNow();
            System.out.println("operator log: " + log);
        }
    }

    /** A request that writes a stored object; a review (JOSDK's check of its rights at start) is a question, not a write. */
    static boolean isWrite(String request) {
        return (request.startsWith("create ") || request.startsWith("patch ") || request.startsWith("update ")
                || request.startsWith("delete ")) && !request.endsWith("reviews");
    }

    static int budget(Window steady, Map<String, Integer> changed, String request) {
        return steady.requests().getOrDefault(request, 0) + changed.getOrDefault(request, 0);
    }

    static void print(Window steady, Window recovery, Map<String, Integer> changed, int starts, double saturatedAfter,
            Set<String> everUnknown, String dead, String deadNow) {
        StringBuilder out = new StringBuilder(String.format("%n=== The operator's API outage: %d nodes, %d s cut (real kube-apiserver "
                + "behind a proxy; requests counted by its audit log) ===%n", NODES, OUTAGE.toSeconds()));
        out.append(BenchmarkSizes.banner());
        out.append(String.format("operator agentGrace %d s, agents renew every %d s%n", GRACE.toSeconds(), RENEW.toSeconds()));
        out.append(String.format("during the outage: %d nodes' listeners saturated, one agent (%s) stopped renewing%n", SATURATED, dead));
        out.append(String.format("operator processes started: %d (each loss of leadership exits; restarted with CrashLoopBackOff)%n",
                starts));
        out.append(String.format("saturated nodes' conditions True %.1f s after the connection came back%n", saturatedAfter));
        out.append(String.format("nodes ever Unknown: %s (the dead agent's node: %s now)%n", new TreeSet<>(everUnknown), deadNow));
        out.append(String.format("%n%-36s %12s %12s %12s %12s%n", "requests in " + WINDOW.toSeconds() + " s", "steady", "after outage",
                "changed", "budget"));
        Set<String> keys = new TreeSet<>(steady.requests().keySet());
        keys.addAll(recovery.requests().keySet());
        for (String k : keys) {
            boolean write = isWrite(k);
            out.append(String.format("%-36s %12d %12d %12s %12s%n", k, steady.requests().getOrDefault(k, 0),
                    recovery.requests().getOrDefault(k, 0), write ? String.valueOf(changed.getOrDefault(k, 0)) : "",
                    write ? String.valueOf(budget(steady, changed, k)) : "(read)"));
        }
        System.out.println(out);
    }

    static void await(String what, ScaleBenchmark.Check check, Duration atMost, Path log) throws Exception {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (System.nanoTime() < deadline) {
            if (check.ok()) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("not within " + atMost + ": " + what + "; operator log: " + log);
    }

    /** Restarts the operator whenever it exits, after the kubelet's CrashLoopBackOff: 10 s, doubling, at most 5 min. */
    static final class Supervisor implements AutoCloseable {
        interface Start {
            Process start() throws Exception;
        }

        private final Start start;
        private final AtomicReference<Process> current = new AtomicReference<>();
        private final AtomicInteger starts = new AtomicInteger();
        private volatile boolean closed;
        private Thread thread;

        Supervisor(Start start) {
            this.start = start;
        }

        void start() {
            thread = Thread.ofPlatform().daemon().name("operator-supervisor").start(() -> {
                long backoff = 10;
                while (!closed) {
                    try {
                        Process p = start.start();
                        current.set(p);
                        starts.incrementAndGet();
                        long began = System.nanoTime();
                        p.waitFor();
                        if (closed) {
                            return;
                        }
                        // A container that ran 10 minutes has its backoff reset, as the kubelet does.
                        backoff = System.nanoTime() - began > TimeUnit.MINUTES.toNanos(10) ? 10 : backoff;
                        Thread.sleep(TimeUnit.SECONDS.toMillis(backoff));
                        backoff = Math.min(backoff * 2, 300);
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        throw new IllegalStateException("cannot start the operator", e);
                    }
                }
            });
        }

        int starts() {
            return starts.get();
        }

        @Override
        public void close() throws Exception {
            closed = true;
            Process p = current.get();
            if (p != null) {
                p.destroy();
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
            if (thread != null) {
                thread.interrupt();
            }
        }
    }
}
