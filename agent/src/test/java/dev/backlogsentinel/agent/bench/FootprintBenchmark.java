package dev.backlogsentinel.agent.bench;

import dev.backlogsentinel.agent.NetnsFixture;
import dev.backlogsentinel.agent.RootRequired;
import dev.backlogsentinel.agent.kernel.Family;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.testing.ChartInstall;
import dev.backlogsentinel.testing.Identity;
import dev.backlogsentinel.testing.MemoryCgroup;
import dev.backlogsentinel.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
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
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The agent's footprint as the chart runs it, on a node-like layout of the real kernel: 100
 * network namespaces with 2 listeners each and 40,000 established sockets elsewhere on the host.
 * The packaged agent runs in cluster mode against a real API server, with the DaemonSet's env and
 * JAVA_TOOL_OPTIONS (rendered from the chart by Helm) and inside a memory cgroup with the
 * DaemonSet's limit, so the JVM sizes itself as in the pod. Not a test: it prints, side by side
 * with an earlier agent and its own chart when given, steady RSS, the NMT summary's main lines,
 * CPU share over 60 s, scan time p50/p90 and the time to the first report.
 *
 * <pre>
 * ./mvnw -Pbench -pl agent -am verify -Dit.test=FootprintBenchmark \
 *        [-Dfootprint.before=/path/to/old/agent/quarkus-run.jar -Dfootprint.beforeChart=/path/to/old/charts/backlog-sentinel]
 *        [-Dfootprint.namespaces=100 -Dfootprint.connections=20000 -Dfootprint.warmSeconds=90]
 * </pre>
 */
@RootRequired
class FootprintBenchmark {

    static final int NAMESPACES = Integer.getInteger("footprint.namespaces", 100);
    /** Connections, each two established sockets on the host. */
    static final int CONNECTIONS = Integer.getInteger("footprint.connections", 20_000);
    static final Duration WARM = Duration.ofSeconds(Long.getLong("footprint.warmSeconds", 90));
    static final Duration CPU_WINDOW = Duration.ofSeconds(60);
    static final String NODE = "footprint-node";

    record Figures(String variant, double rssMb, Map<String, Double> nmtMb, double cpuPercent, double scanP50Ms, double scanP90Ms,
            double firstReportSeconds, String javaOpts, String limit) {
    }

    @Test
    void agentAsTheChartRunsIt() throws Exception {
        List<NetnsFixture> namespaces = new ArrayList<>();
        List<Process> connections = new ArrayList<>();
        List<Figures> figures = new ArrayList<>();
        try {
            for (int i = 0; i < NAMESPACES; i++) {
                NetnsFixture ns = NetnsFixture.create();
                namespaces.add(ns);
                ns.fill(Family.IPv4, 8080, 128, 0);
                ns.fill(Family.IPv6, 8443, 128, 0);
            }
            HostConnections.open(connections, CONNECTIONS);
            String before = System.getProperty("footprint.before", "");
            if (!before.isBlank()) {
                figures.add(run("before", Path.of(before), Path.of(System.getProperty("footprint.beforeChart"))));
            }
            figures.add(run("after", Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath(), ChartInstall.chart()));
            print(figures);
        } finally {
            for (Process p : connections) {
                p.destroyForcibly().waitFor();
            }
            for (NetnsFixture ns : namespaces) {
                ns.close();
            }
        }
    }

    Figures run(String variant, Path jar, Path chart) throws Exception {
        DaemonSet ds = ChartInstall.render(chart).stream().filter(DaemonSet.class::isInstance).map(DaemonSet.class::cast)
                .findFirst().orElseThrow();
        var container = ds.getSpec().getTemplate().getSpec().getContainers().getFirst();
        Quantity limit = container.getResources().getLimits().get("memory");
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar e : container.getEnv()) {
            if (e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null) {
                // The downward API, as the kubelet fills it in.
                env.put(e.getName(), switch (e.getValueFrom().getFieldRef().getFieldPath()) {
                    case "spec.nodeName" -> NODE;
                    case "metadata.name" -> "backlog-sentinel-agent-x7k2p";
                    case "metadata.namespace" -> ChartInstall.NAMESPACE;
                    default -> "";
                });
            } else {
                env.put(e.getName(), e.getValue());
            }
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        // -Dfootprint.javaOpts tries other JVM options than the chart's (what the chart then adopts).
        String javaOpts = System.getProperty("footprint.javaOpts", env.getOrDefault("JAVA_TOOL_OPTIONS", ""))
                + (Boolean.parseBoolean(System.getProperty("footprint.nmt", "true")) ? " -XX:NativeMemoryTracking=summary" : "");
        env.put("JAVA_TOOL_OPTIONS", javaOpts.strip());
        System.out.printf("%n== %s: %s, memory limit %s ==%n", variant, env.get("JAVA_TOOL_OPTIONS"), limit);

        try (TestApiServer server = TestApiServer.start(Duration.ofHours(1)); KubernetesClient admin = server.admin();
                MemoryCgroup cgroup = MemoryCgroup.withLimit("footprint-agent", limit.getNumericalAmount().longValue())) {
            ChartInstall.Installed installed = ChartInstall.on(server);
            Identity agent = installed.agent();
            if (variant.equals("before")) {
                // An earlier agent reads before it writes, which this chart no longer grants.
                agent = ChartInstall.identity(server, admin, "agent-before");
                admin.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata().withName("agent-before")
                        .endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
                        .withName("cluster-admin").endRoleRef().addNewSubject().withKind("ServiceAccount")
                        .withNamespace(ChartInstall.NAMESPACE).withName("agent-before").endSubject().build()).create();
            }
            admin.leases().inNamespace("kube-node-lease").resource(new LeaseBuilder().withNewMetadata().withNamespace("kube-node-lease")
                    .withName(NODE).addNewOwnerReference().withApiVersion("v1").withKind("Node").withName(NODE).withUid("node-uid")
                    .endOwnerReference().endMetadata().withNewSpec().withHolderIdentity(NODE).endSpec().build()).create();
            env.put("KUBECONFIG", agent.kubeconfig().toString());
            // The image's entrypoint: java --enable-native-access=ALL-UNNAMED -jar quarkus-run.jar (quarkus.jib.*).
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString());
            Path log = Files.createTempFile("footprint-" + variant, ".log");
            ProcessBuilder pb = new ProcessBuilder(cgroup.command(command)).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(env);
            pb.environment().remove("KUBERNETES_SERVICE_HOST");
            long t0 = System.nanoTime();
            Process process = pb.start();
            try {
                double firstReport = -1;
                while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(60) && process.isAlive()) {
                    NodeBacklogReport r = admin.resources(NodeBacklogReport.class).withName(NODE).get();
                    if (r != null && r.getStatus() != null) {
                        firstReport = (System.nanoTime() - t0) / 1e9;
                        break;
                    }
                    Thread.sleep(20);
                }
                System.out.printf("first report after %.2f s%n", firstReport);
                Thread.sleep(Math.max(0, WARM.toMillis() - (System.nanoTime() - t0) / 1_000_000));

                // CPU over 60 s with nothing else asking anything of it (Prometheus would scrape every 30 s or so).
                long cpu0 = cpuTicks(process.pid());
                long w0 = System.nanoTime();
                Thread.sleep(CPU_WINDOW.toMillis());
                double cpu = (cpuTicks(process.pid()) - cpu0) / ((System.nanoTime() - w0) / 1e9);
                // Then each scan's time, from the scan timer's sum and count scraped after every scan.
                List<Double> scans = new ArrayList<>();
                double[] last = scanTimer(port);
                for (int i = 0; i < 20; i++) {
                    Thread.sleep(2_000);
                    double[] now = scanTimer(port);
                    if (now[1] > last[1]) {
                        scans.add((now[0] - last[0]) / (now[1] - last[1]) * 1000);
                    }
                    last = now;
                }
                double rss = rssMb(process.pid());
                Map<String, Double> nmt = javaOpts.contains("NativeMemoryTracking") ? nmt(process.pid()) : Map.of();
                if (Boolean.getBoolean("footprint.histogram")) {
                    Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                            Long.toString(process.pid()), "GC.class_histogram").redirectErrorStream(true).start();
                    new String(jcmd.getInputStream().readAllBytes()).lines().limit(30).forEach(System.out::println);
                }
                if (System.getProperty("footprint.javaOpts") != null) {
                    System.out.println("(javaOpts overridden by -Dfootprint.javaOpts)");
                }
                double[] sorted = scans.stream().mapToDouble(Double::doubleValue).sorted().toArray();
                System.out.printf("RSS %.1f MB, CPU %.2f%%, scans p50 %.1f ms p90 %.1f ms (%d)%n", rss, cpu, pct(sorted, 50), pct(sorted, 90),
                        sorted.length);
                if (!process.isAlive()) {
                    System.out.println("agent exited: " + Files.readString(log));
                }
                return new Figures(variant, rss, nmt, cpu, pct(sorted, 50), pct(sorted, 90), firstReport,
                        env.get("JAVA_TOOL_OPTIONS"), limit.toString());
            } finally {
                process.destroy();
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }

    /** backlog_scan_duration_seconds: {sum, count}. */
    static double[] scanTimer(int port) throws Exception {
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        double sum = 0;
        double count = 0;
        for (String l : metrics.lines().toList()) {
            if (l.startsWith("backlog_scan_duration_seconds_sum")) {
                sum = Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
            } else if (l.startsWith("backlog_scan_duration_seconds_count")) {
                count = Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
            }
        }
        return new double[] {sum, count};
    }

    static long cpuTicks(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    static double rssMb(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }

    /** The NMT summary's committed MB by category (Total first). */
    static Map<String, Double> nmt(long pid) throws Exception {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid),
                "VM.native_memory", "summary").redirectErrorStream(true).start();
        Map<String, Double> out = new LinkedHashMap<>();
        for (String l : new String(jcmd.getInputStream().readAllBytes()).lines().toList()) {
            var m = java.util.regex.Pattern.compile("^(?:-\\s*)?([A-Za-z][A-Za-z ]*?)\\s*\\(reserved=\\d+KB, committed=(\\d+)KB").matcher(l.strip());
            if (l.startsWith("Total:")) {
                var t = java.util.regex.Pattern.compile("committed=(\\d+)KB").matcher(l);
                if (t.find()) {
                    out.put("Total", Long.parseLong(t.group(1)) / 1024.0);
                }
            } else if (m.find()) {
                out.put(m.group(1).strip(), Long.parseLong(m.group(2)) / 1024.0);
            }
        }
        return out;
    }

    static double pct(double[] sorted, int p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static void print(List<Figures> all) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "%n=== Agent footprint, as the chart runs it: %d namespaces x 2 listeners, %d established host sockets ===%n",
                NAMESPACES, 2 * CONNECTIONS));
        Figures b = all.stream().filter(f -> f.variant().equals("before")).findFirst().orElse(null);
        Figures a = all.stream().filter(f -> f.variant().equals("after")).findFirst().orElseThrow();
        out.append(String.format(Locale.ROOT, "%-34s %12s %12s %8s%n", "", "before", "after", "ratio"));
        row(out, "steady RSS (MB, NMT on)", b == null ? null : b.rssMb(), a.rssMb());
        row(out, "CPU over 60 s (% of one core)", b == null ? null : b.cpuPercent(), a.cpuPercent());
        row(out, "scan p50 (ms)", b == null ? null : b.scanP50Ms(), a.scanP50Ms());
        row(out, "scan p90 (ms)", b == null ? null : b.scanP90Ms(), a.scanP90Ms());
        row(out, "first report after start (s)", b == null ? null : b.firstReportSeconds(), a.firstReportSeconds());
        out.append("NMT committed (MB):\n");
        List<String> keys = new ArrayList<>(a.nmtMb().keySet());
        if (b != null) {
            b.nmtMb().keySet().stream().filter(k -> !keys.contains(k)).forEach(keys::add);
        }
        for (String k : keys) {
            double av = a.nmtMb().getOrDefault(k, 0.0);
            double bv = b == null ? 0 : b.nmtMb().getOrDefault(k, 0.0);
            if (Math.max(av, bv) >= 0.5) {
                row(out, "  " + k, b == null ? null : bv, av);
            }
        }
        if (b != null) {
            out.append("before: ").append(b.javaOpts()).append(", limit ").append(b.limit()).append('\n');
        }
        out.append("after:  ").append(a.javaOpts()).append(", limit ").append(a.limit()).append('\n');
        System.out.println(out);
    }

    static void row(StringBuilder out, String label, Double before, double after) {
        out.append(String.format(Locale.ROOT, "%-34s %12s %12.2f %8s%n", label, before == null ? "-" : String.format(Locale.ROOT, "%.2f", before),
                after, before == null || before == 0 ? "" : String.format(Locale.ROOT, "%.2fx", after / before)));
    }
}
