package dev.backlogsentinel.operator.bench;

import dev.backlogsentinel.api.ListenerState;
import dev.backlogsentinel.api.Patches;
import dev.backlogsentinel.api.policy.BacklogPolicy;
import dev.backlogsentinel.api.policy.BacklogPolicySpec;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.api.report.ListenerProcess;
import dev.backlogsentinel.api.report.NetnsSysctls;
import dev.backlogsentinel.api.report.NodeBacklogReportStatus;
import dev.backlogsentinel.api.report.PodRef;
import dev.backlogsentinel.api.report.PolicyCount;
import dev.backlogsentinel.api.report.ReportTotals;
import dev.backlogsentinel.api.report.ReportedListener;
import dev.backlogsentinel.testing.AuditLog;
import dev.backlogsentinel.testing.BenchmarkSizes;
import dev.backlogsentinel.testing.Measured;
import dev.backlogsentinel.testing.ChartInstall;
import dev.backlogsentinel.testing.Identity;
import dev.backlogsentinel.testing.MemoryCgroup;
import dev.backlogsentinel.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The packaged operator at cluster scale, on a real kube-apiserver with simulated nodes: N Nodes,
 * N NodeBacklogReports of a busy node's size (20 listeners in Warning, every field filled) and N
 * agent Leases renewed at the agents' interval, the operator as a
 * process in a memory cgroup with the chart's limit and javaOpts, as the chart's operator
 * ServiceAccount. Its requests are counted by the API server itself (audit log). Not a test: it
 * prints figures, side by side with an earlier operator's when one is given.
 *
 * <pre>
 * ./mvnw -Pbench -pl operator -am verify [-Dscale.nodes=100,1000,5000] [-Dscale.renew=10s] [-Dscale.steadySeconds=60] [-Dscale.settleSeconds=15] [-Dbench.quick]
 *        [-Dscale.listeners=20] [-Dscale.before=/path/to/an/earlier/operator/quarkus-run.jar]
 * </pre>
 */
class ScaleBenchmark {

    static final String OPERATOR_USER = "system:serviceaccount:backlog-sentinel:backlog-sentinel-operator";
    static final String BEFORE_USER = "system:serviceaccount:backlog-sentinel:operator-before";
    static final int BURST = 100;
    static final Duration STEADY = BenchmarkSizes.seconds("scale.steadySeconds", 60, 10);
    /** After start-up, before the steady window: the first renewals and resyncs are not steady state. */
    static final Duration SETTLE = BenchmarkSizes.seconds("scale.settleSeconds", 15, 3);
    static final DateTimeFormatter MICRO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    /** What one run measured. */
    record Figures(String variant, int nodes, Duration renew, double startupSeconds, double steadyPerSecond, double steadyCpuPercent,
            Map<String, Integer> steadyByRequest, double burstP50, double burstP95, double burstMax, int eventsWritten,
            int eventsExpected, int policyEditRequests, double policyEditSeconds, double heapMb, double rssMb, String fate) {
    }

    @Test
    void operatorAtScale() throws Exception {
        List<Integer> sizes = Arrays.stream(BenchmarkSizes.text("scale.nodes", "100,1000,5000", "20").split(","))
                .map(String::strip).map(Integer::parseInt).toList();
        String before = System.getProperty("scale.before", "");
        List<Figures> all = new ArrayList<>();
        for (int n : sizes) {
            Duration renew = Duration.parse("PT" + System.getProperty("scale.renew", n > 1000 ? "30s" : "10s").toUpperCase());
            if (!before.isBlank()) {
                all.add(run("before", Path.of(before), n, renew));
            }
            all.add(run("after", Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath(), n, renew));
            print(all);
        }
    }

    Figures run(String variant, Path jar, int n, Duration renew) throws Exception {
        System.out.printf("%n== %s, %d nodes, agent Leases renewed every %ss ==%n", variant, n, renew.toSeconds());
        AuditLog audit = AuditLog.of(List.of(OPERATOR_USER, BEFORE_USER));
        try (TestApiServer server = TestApiServer.start(Duration.ofHours(1), audit.flags());
                KubernetesClient admin = server.admin()) {
            ChartInstall.Installed chart = ChartInstall.on(server);
            Identity stageIdentity = clusterAdmin(server, admin, "bench-stage");
            Identity operator = variant.equals("before") ? clusterAdmin(server, admin, "operator-before") : chart.operator();
            try (KubernetesClient stage = stageIdentity.clientFor(server.url(), c -> {
                c.setMaxConcurrentRequests(256);
                c.setMaxConcurrentRequestsPerHost(64);
            })) {
                layOut(stage, n);
                return measure(variant, jar, n, renew, server, stage, operator, chart.operatorJavaOpts(), audit);
            }
        }
    }

    /** A ServiceAccount bound to cluster-admin: the stage's hands, or an earlier operator that needs rights this chart no longer grants. */
    static Identity clusterAdmin(TestApiServer server, KubernetesClient admin, String name) {
        Identity id = ChartInstall.identity(server, admin, name);
        admin.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName("cluster-admin").endRoleRef()
                .addNewSubject().withKind("ServiceAccount").withNamespace(ChartInstall.NAMESPACE).withName(name).endSubject().build())
                .create();
        return id;
    }

    static String node(int i) {
        return "node-%05d".formatted(i);
    }

    /** N nodes as kubelets register them, each with its agent's Lease and a report of LISTENERS listeners in Warning. */
    static void layOut(KubernetesClient stage, int n) throws Exception {
        long t0 = System.nanoTime();
        stage.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build()).create();
        BacklogPolicy policy = new BacklogPolicy();
        policy.setMetadata(new ObjectMetaBuilder().withNamespace("shop").withName("web").build());
        BacklogPolicySpec spec = new BacklogPolicySpec();
        spec.setSustainFor("0s");
        policy.setSpec(spec);
        stage.resource(policy).create();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = node(i);
            done.add(pool.submit(() -> {
                stage.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
                stage.nodes().resource(Patches.target(new Node(), null, name)).subresource("status")
                        .patch(PatchContext.of(PatchType.STRATEGIC_MERGE), Serialization.asJson(Map.of("status", Map.of("conditions",
                                List.of(Map.of("type", "Ready", "status", "True", "reason", "KubeletReady",
                                        "lastHeartbeatTime", Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString(),
                                        "lastTransitionTime", Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString()))))));
                renew(stage, name);
                NodeBacklogReport report = new NodeBacklogReport();
                report.setMetadata(new ObjectMetaBuilder().withName(name).build());
                stage.resource(report).create();
                writeStatus(stage, name, warnings(name));
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        System.out.printf("laid out %d nodes, leases and reports in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
    }

    static void renew(KubernetesClient stage, String node) {
        String now = MICRO.format(Instant.now());
        try {
            stage.leases().inNamespace(ChartInstall.AGENT_NAMESPACE).resource(Patches.target(new Lease(), ChartInstall.AGENT_NAMESPACE,
                    "backlog-sentinel-agent-" + node)).patch(PatchContext.of(PatchType.JSON_MERGE),
                    Serialization.asJson(Map.of("spec", Map.of("renewTime", now))));
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
            ZonedDateTime at = ZonedDateTime.now(ZoneOffset.UTC);
            stage.leases().inNamespace(ChartInstall.AGENT_NAMESPACE).resource(new LeaseBuilder().withNewMetadata()
                    .withNamespace(ChartInstall.AGENT_NAMESPACE).withName("backlog-sentinel-agent-" + node).endMetadata().withNewSpec()
                    .withHolderIdentity("agent-" + node).withLeaseDurationSeconds(120).withRenewTime(at).withAcquireTime(at).endSpec()
                    .build()).create();
        }
    }

    /** The report as an agent writes it: one merge patch of the status. */
    static void writeStatus(KubernetesClient stage, String node, List<ReportedListener> listeners) {
        NodeBacklogReportStatus status = new NodeBacklogReportStatus();
        status.setAgentVersion("bench");
        status.setReader("netlink");
        status.setUpdatedAt(Instant.now().toString());
        status.setTotals(new ReportTotals(12, 30, 1));
        int saturated = (int) listeners.stream().filter(l -> l.getState() == ListenerState.Saturated).count();
        status.setPolicies(List.of(new PolicyCount("shop", "web", listeners.size(), listeners.size(), listeners.size() - saturated,
                saturated)));
        status.setListeners(listeners);
        stage.resources(NodeBacklogReport.class).resource(Patches.target(new NodeBacklogReport(), null, node)).subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(Map.of("status", status)));
    }

    /** Listeners in Warning that each node's report carries all along (a report lists only listeners that are not OK). */
    static final int LISTENERS = BenchmarkSizes.count("scale.listeners", 20, 20);

    /**
     * A node's listeners in Warning, every field filled as the agent fills it (pod, process,
     * container, the namespace's knobs and counters): the size of a busy node's real report.
     */
    static List<ReportedListener> warnings(String node) {
        List<ReportedListener> list = new ArrayList<>();
        for (int k = 0; k < LISTENERS; k++) {
            String pod = "api-" + node + "-" + k;
            ReportedListener l = new ReportedListener();
            l.setPolicy("web");
            l.setPod(new PodRef("shop", pod, UUID.nameUUIDFromBytes(pod.getBytes()).toString()));
            l.setNetns(4026532280L + k);
            l.setFamily("IPv4");
            l.setAddress("0.0.0.0");
            l.setPort(8080 + k);
            l.setState(ListenerState.Warning);
            l.setSince("2026-12-06T10:00:00Z");
            l.setDepth(3000 + k);
            l.setPeakDepth(3500 + k);
            l.setLimit(4096);
            l.setLimitedBy("somaxconn");
            l.setSynRecv(12);
            l.setOverflowsTotal(0L);
            l.setDropsTotal(0L);
            l.setReqQFullDropTotal(0L);
            l.setProcess(new ListenerProcess(4000 + k, "java", "containerd://" + UUID.nameUUIDFromBytes((pod + "c").getBytes())
                    .toString().replace("-", "") + "0123456789abcdef0123456789abcdef", "server", "java", 1));
            l.setSysctls(new NetnsSysctls(4096, 1, 0, 4096));
            l.setFull(false);
            list.add(l);
        }
        return list;
    }

    static ReportedListener saturated(int i) {
        ReportedListener l = new ReportedListener();
        l.setPolicy("web");
        l.setPod(new PodRef("shop", "web-" + i, UUID.nameUUIDFromBytes(("pod" + i).getBytes()).toString()));
        l.setNetns(4026532280L);
        l.setFamily("IPv4");
        l.setAddress("0.0.0.0");
        l.setPort(8080);
        l.setState(ListenerState.Saturated);
        l.setSince(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        l.setDepth(17);
        l.setPeakDepth(17);
        l.setLimit(16);
        l.setLimitedBy("backlog");
        l.setSynRecv(0);
        l.setOverflowsTotal(5L);
        l.setDropsTotal(5L);
        return l;
    }

    /** @param javaOpts the chart's operator.javaOpts, as its Deployment passes them (JAVA_TOOL_OPTIONS) */
    Figures measure(String variant, Path jar, int n, Duration renew, TestApiServer server, KubernetesClient stage, Identity operator,
            String javaOpts, AuditLog audit) throws Exception {
        // The chart's limit; -Dscale.limitMi raises it to see what the operator would take without one.
        long limit = Long.getLong("scale.limitMi", 384L) << 20;
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String user = variant.equals("before") ? BEFORE_USER : OPERATOR_USER;
        Path log = Files.createTempFile("scale-operator", ".log");
        ScheduledExecutorService agents = Executors.newScheduledThreadPool(8);
        Map<String, Long> trueAt = new ConcurrentHashMap<>();
        Map<String, String> status = new ConcurrentHashMap<>();
        try (MemoryCgroup cgroup = MemoryCgroup.withLimit("bench-operator", limit)) {
            long started = System.nanoTime();
            // -Dscale.nmt: Native Memory Tracking on, its summary printed after the steady window.
            Process process = startOperator(jar, operator.kubeconfig(), javaOpts + (Boolean.getBoolean("scale.nmt")
                    ? " -XX:NativeMemoryTracking=summary" : ""), cgroup, port, log);
            MemoryWatch memory = new MemoryWatch(process.pid(), port);
            try {
                // The simulated agents renew their Leases, spread over the interval.
                for (int i = 0; i < n; i++) {
                    String name = node(i);
                    agents.scheduleAtFixedRate(() -> {
                        try {
                            renew(stage, name);
                        } catch (RuntimeException e) {
                            // A renewal lost under load is what a real agent sees too; the next one comes.
                        }
                    }, renew.toMillis() * i / n, renew.toMillis(), TimeUnit.MILLISECONDS);
                }
                var watch = stage.nodes().watch(new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, Node node) {
                        NodeCondition c = node.getStatus() == null || node.getStatus().getConditions() == null ? null
                                : node.getStatus().getConditions().stream().filter(x -> x.getType().equals("ListenQueuePressure"))
                                        .findFirst().orElse(null);
                        if (c != null) {
                            status.put(node.getMetadata().getName(), c.getStatus());
                            if (c.getStatus().equals("True")) {
                                trueAt.putIfAbsent(node.getMetadata().getName(), System.nanoTime());
                            }
                        }
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                    }
                });
                // Start-up: every node's condition written once.
                double startup = waitFor(() -> status.size() >= n, Duration.ofMinutes(10), process, memory) ? seconds(started) : -1;
                System.out.printf("start-up: %d conditions in %.1f s%n", status.size(), startup);

                Thread.sleep(SETTLE.toMillis());
                long mark = audit.mark();
                long t0 = System.nanoTime();
                long cpu0 = cpuTicks(process.pid());
                Thread.sleep(STEADY.toMillis());
                double cpuPercent = 100.0 * (cpuTicks(process.pid()) - cpu0) / 100.0 / seconds(t0);
                Map<String, Integer> steady = audit.since(mark).getOrDefault(user, Map.of());
                if (Boolean.getBoolean("scale.histogram")) {
                    Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                            Long.toString(process.pid()), "GC.class_histogram").redirectErrorStream(true).start();
                    System.out.println(new String(jcmd.getInputStream().readAllBytes()).lines().limit(30)
                            .collect(Collectors.joining("\n")));
                }
                if (Boolean.getBoolean("scale.nmt")) {
                    Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                            Long.toString(process.pid()), "VM.native_memory", "summary").redirectErrorStream(true).start();
                    System.out.println(new String(jcmd.getInputStream().readAllBytes()).lines()
                            .filter(l -> l.contains("committed=") && (l.startsWith("Total") || l.startsWith("-")))
                            .collect(Collectors.joining("\n")));
                }
                double window = seconds(t0);
                double perSecond = steady.values().stream().mapToInt(Integer::intValue).sum() / window;
                System.out.printf("steady: %.2f requests/s, %.1f%% of a core %s%n", perSecond, cpuPercent, steady);

                // A burst: BURST reports turn Saturated at once.
                int burst = Math.min(BURST, n);
                Map<String, Long> writtenAt = new ConcurrentHashMap<>();
                ExecutorService writers = Executors.newFixedThreadPool(16);
                List<Future<?>> writes = new ArrayList<>();
                for (int i = 0; i < burst; i++) {
                    int k = i;
                    writes.add(writers.submit(() -> {
                        List<ReportedListener> listeners = new ArrayList<>(warnings(node(k)));
                        listeners.add(saturated(k));
                        writeStatus(stage, node(k), listeners);
                        writtenAt.put(node(k), System.nanoTime());
                    }));
                }
                for (Future<?> w : writes) {
                    w.get();
                }
                writers.shutdown();
                waitFor(() -> IntStream.range(0, burst).allMatch(i -> trueAt.containsKey(node(i))), Duration.ofMinutes(3), process, memory);
                double[] latencies = IntStream.range(0, burst).filter(i -> trueAt.containsKey(node(i)))
                        .mapToDouble(i -> (trueAt.get(node(i)) - writtenAt.get(node(i))) / 1e6).sorted().toArray();
                // A percentile over the nodes that made it would hide the ones that did not.
                Measured.samples("burst nodes whose condition turned True", java.util.Arrays.asList(java.util.Arrays.stream(latencies).boxed()
                        .toArray()), burst);
                Thread.sleep(3_000);
                List<Event> events = stage.v1().events().inAnyNamespace().list().getItems();
                int written = (int) events.stream().filter(e -> List.of("ListenQueueSaturated", "ListenQueueOverflow", "ListenQueuePressure")
                        .contains(e.getReason())).count();
                System.out.printf("burst of %d: %d conditions True, p50 %.0f ms, p95 %.0f ms, max %.0f ms; %d of %d events%n",
                        burst, latencies.length, pct(latencies, 50), pct(latencies, 95), pct(latencies, 100), written, 3 * burst);

                // A policy edit: the policy no longer sets the node condition; the burst's nodes go back to False.
                long editMark = audit.mark();
                long e0 = System.nanoTime();
                stage.resources(BacklogPolicy.class).inNamespace("shop").withName("web").edit(p -> {
                    p.getSpec().setNodeCondition(false);
                    return p;
                });
                boolean edited = waitFor(() -> IntStream.range(0, burst).allMatch(i -> "False".equals(status.get(node(i)))),
                        Duration.ofMinutes(3), process, memory);
                double editSeconds = edited ? seconds(e0) : -1;
                Thread.sleep(5_000);
                int editRequests = audit.since(editMark).getOrDefault(user, Map.of()).entrySet().stream()
                        .filter(e -> !e.getKey().contains("leases")).mapToInt(Map.Entry::getValue).sum();
                System.out.printf("policy edit: %d nodes back to False in %.1f s, %d requests (leases aside)%n", burst, editSeconds,
                        editRequests);
                watch.close();
                memory.sample();
                String fate = cgroup.oomKilled() ? "OOM-killed" : process.isAlive() ? "ran" : "exited " + process.exitValue();
                return new Figures(variant, n, renew, startup, perSecond, cpuPercent, steady, pct(latencies, 50), pct(latencies, 95),
                        pct(latencies, 100), written, 3 * burst, editRequests, editSeconds,
                        Measured.figure("operator heap peak (MB)", memory.heapMb > 0 ? memory.heapMb : Double.NaN),
                        Measured.figure("operator RSS peak (MB)", memory.rssMb > 0 ? memory.rssMb : Double.NaN), fate);
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

    /** The packaged operator as the chart runs it: its javaOpts, in a memory cgroup, as the identity of a kubeconfig. */
    static Process startOperator(Path jar, Path kubeconfig, String javaOpts, MemoryCgroup cgroup, int port, Path log)
            throws java.io.IOException {
        return startOperator(jar, kubeconfig, javaOpts, cgroup, port, log, Map.of());
    }

    /** The same, with settings as the chart's operator.extraEnv would give them (BACKLOG_OPERATOR_*). */
    static Process startOperator(Path jar, Path kubeconfig, String javaOpts, MemoryCgroup cgroup, int port, Path log,
            Map<String, String> env) throws java.io.IOException {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquarkus.http.port=" + port, "-jar", jar.toString());
        ProcessBuilder pb = new ProcessBuilder(cgroup.command(command)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("KUBECONFIG", kubeconfig.toString());
        pb.environment().put("JAVA_TOOL_OPTIONS", javaOpts);
        pb.environment().put("POD_NAMESPACE", ChartInstall.NAMESPACE);
        // As the chart sets it: the agents' Leases are in their own namespace (an operator from before
        // the split looked in its own, and would see no agent here).
        pb.environment().put("BACKLOG_OPERATOR_AGENT_NAMESPACE", ChartInstall.AGENT_NAMESPACE);
        pb.environment().put("MALLOC_ARENA_MAX", "2");
        pb.environment().putAll(env);
        return pb.start();
    }

    static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static boolean waitFor(Check check, Duration atMost, Process process, MemoryWatch memory) throws Exception {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (System.nanoTime() < deadline) {
            memory.sample();
            if (check.ok()) {
                return true;
            }
            if (!process.isAlive()) {
                return false;
            }
            Thread.sleep(200);
        }
        return false;
    }

    /** utime + stime of a process, in clock ticks (100 per second on Linux). */
    static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (java.io.IOException e) {
            throw new AssertionError("benchmark figure \"operator CPU\" was not measured: pid " + pid + " is gone (" + e + ")");
        }
    }

    static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    static double pct(double[] sorted, int p) {
        return Measured.percentile("burst latency p" + p + " (ms)", sorted, p);
    }

    /** Peak RSS (from /proc) and heap in use (from the operator's own metrics). */
    static final class MemoryWatch {
        final long pid;
        final int port;
        double rssMb;
        double heapMb;
        long lastSample;

        MemoryWatch(long pid, int port) {
            this.pid = pid;
            this.port = port;
        }

        void sample() {
            if (System.nanoTime() - lastSample < TimeUnit.SECONDS.toNanos(2)) {
                return;
            }
            lastSample = System.nanoTime();
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        rssMb = Math.max(rssMb, Long.parseLong(line.replaceAll("\\D", "")) / 1024.0);
                    }
                }
                String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/q/metrics")).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
                double heap = metrics.lines().filter(l -> l.startsWith("jvm_memory_used_bytes{") && l.contains("area=\"heap\""))
                        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
                heapMb = Math.max(heapMb, heap / (1 << 20));
            } catch (Exception e) {
                // Not up yet, or gone: the figures keep their last values.
            }
        }
    }

    static void print(List<Figures> all) {
        StringBuilder out = new StringBuilder("\n=== Operator at scale (real kube-apiserver, simulated nodes; requests counted by its audit log) ===\n");
        out.append(BenchmarkSizes.banner());
        Map<Integer, List<Figures>> byNodes = all.stream().collect(Collectors.groupingBy(Figures::nodes, TreeMap::new, Collectors.toList()));
        byNodes.forEach((n, runs) -> {
            Figures b = runs.stream().filter(f -> f.variant().equals("before")).findFirst().orElse(null);
            Figures a = runs.stream().filter(f -> f.variant().equals("after")).findFirst().orElse(null);
            if (a == null) {
                return;
            }
            out.append(String.format("%n%d nodes, agent Leases renewed every %ds%n", n, a.renew().toSeconds()));
            out.append(String.format("%-44s %14s %14s %10s%n", "", "before", "after", "ratio"));
            row(out, "steady requests/s (all, leader election incl.)", b == null ? null : b.steadyPerSecond(), a.steadyPerSecond(), "%.2f");
            Map<String, Integer> keys = new TreeMap<>();
            if (b != null) {
                b.steadyByRequest().forEach((k, v) -> keys.merge(k, v, Integer::sum));
            }
            a.steadyByRequest().forEach((k, v) -> keys.merge(k, v, Integer::sum));
            double window = STEADY.toSeconds();
            keys.keySet().forEach(k -> row(out, "  " + k, b == null ? null : b.steadyByRequest().getOrDefault(k, 0) / window,
                    a.steadyByRequest().getOrDefault(k, 0) / window, "%.2f"));
            row(out, "steady CPU (% of one core)", b == null ? null : b.steadyCpuPercent(), a.steadyCpuPercent(), "%.1f");
            row(out, "start-up: every condition written (s)", b == null ? null : b.startupSeconds(), a.startupSeconds(), "%.1f");
            row(out, "burst of 100 -> condition True, p50 (ms)", b == null ? null : b.burstP50(), a.burstP50(), "%.0f");
            row(out, "                                  p95 (ms)", b == null ? null : b.burstP95(), a.burstP95(), "%.0f");
            row(out, "                                  max (ms)", b == null ? null : b.burstMax(), a.burstMax(), "%.0f");
            out.append(String.format("%-44s %14s %14s%n", "  core/v1 events written / expected",
                    b == null ? "-" : b.eventsWritten() + "/" + b.eventsExpected(), a.eventsWritten() + "/" + a.eventsExpected()));
            row(out, "policy edit: requests (leases aside)", b == null ? null : (double) b.policyEditRequests(),
                    (double) a.policyEditRequests(), "%.0f");
            row(out, "policy edit: every node re-evaluated (s)", b == null ? null : b.policyEditSeconds(), a.policyEditSeconds(), "%.1f");
            row(out, "heap used, peak (MB)", b == null ? null : b.heapMb(), a.heapMb(), "%.0f");
            row(out, "RSS, peak (MB; limit 384Mi)", b == null ? null : b.rssMb(), a.rssMb(), "%.0f");
            out.append(String.format("%-44s %14s %14s%n", "  operator", b == null ? "-" : b.fate(), a.fate()));
        });
        System.out.println(out);
    }

    static void row(StringBuilder out, String label, Double before, double after, String format) {
        String b = before == null ? "-" : String.format(format, before);
        String ratio = before == null || before == 0 ? "" : String.format("%.3fx", after / before);
        out.append(String.format("%-44s %14s %14s %10s%n", label, b, String.format(format, after), ratio));
    }
}
