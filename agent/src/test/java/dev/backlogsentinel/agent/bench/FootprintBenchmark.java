package dev.backlogsentinel.agent.bench;

import dev.backlogsentinel.agent.NetnsFixture;
import dev.backlogsentinel.agent.RootRequired;
import dev.backlogsentinel.agent.kernel.Family;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.testing.BenchmarkSizes;
import dev.backlogsentinel.testing.Measured;
import dev.backlogsentinel.testing.MetricsReader;
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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The agent's footprint as the chart runs it, on a node-like layout of the real kernel: 100
 * network namespaces with 2 listeners each and 40,000 established sockets elsewhere on the host.
 * The packaged agent runs in cluster mode against a real API server, with the DaemonSet's env and
 * JAVA_TOOL_OPTIONS (rendered from the chart by Helm) and inside a cgroup with the DaemonSet's
 * memory limit and CPU quota, so the JVM sizes itself, and is throttled, as in the pod. Not a test: it prints, side by side
 * with an earlier agent and its own chart when given, steady RSS (anonymous and file-backed), the
 * cgroup's working set (what the kubelet limits), the NMT summary's main lines, CPU share over 60 s
 * (user and system), scan time p50/p90 and the time to the first report. NMT is on unless
 * -Dfootprint.nmt=false; it costs a few MB of its own (its line in the summary).
 *
 * <pre>
 * ./mvnw -Pbench -pl agent -am verify -Dit.test=FootprintBenchmark \
 *        [-Dfootprint.before=/path/to/old/agent/quarkus-run.jar -Dfootprint.beforeChart=/path/to/old/charts/backlog-sentinel]
 *        [-Dfootprint.namespaces=100 -Dfootprint.connections=20000 -Dfootprint.warmSeconds=90]
 *        [-Dfootprint.try='&lt;JVM options&gt;|&lt;JVM options&gt;' [-Dfootprint.after=false]] [-Dfootprint.nmt=false]
 *        [-Dfootprint.histogram=true] [-Dfootprint.cpuSeconds=60] [-Dfootprint.scanSamples=20]
 * </pre>
 */
@RootRequired
class FootprintBenchmark {

    static final int NAMESPACES = BenchmarkSizes.count("footprint.namespaces", 100, 3);
    /** Connections, each two established sockets on the host. */
    static final int CONNECTIONS = BenchmarkSizes.count("footprint.connections", 20_000, 0);
    static final Duration WARM = BenchmarkSizes.seconds("footprint.warmSeconds", 90, 3);
    static final Duration CPU_WINDOW = BenchmarkSizes.seconds("footprint.cpuSeconds", 60, 3);
    /** Scans timed after the CPU window, one per scan interval (2 s). */
    static final int SCAN_SAMPLES = BenchmarkSizes.count("footprint.scanSamples", 20, 2);
    static final String NODE = "footprint-node";

    record Figures(String variant, double rssMb, double rssAnonMb, double rssFileMb, double workingSetMb, double classes, double firstScanMs, Map<String, Double> nmtMb,
            double cpuPercent, double userPercent, double systemPercent, double scanP50Ms, double scanP90Ms,
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
                figures.add(run("before", Path.of(before), Path.of(System.getProperty("footprint.beforeChart")), null));
            }
            Path jar = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();
            if (Boolean.parseBoolean(System.getProperty("footprint.after", "true"))) {
                figures.add(run("after", jar, ChartInstall.chart(), null));
            }
            // -Dfootprint.try='<opts>|<opts>': the same agent with other JVM options, one variant each.
            String[] tries = System.getProperty("footprint.try", "").split("\\|");
            for (int i = 0; i < tries.length; i++) {
                if (!tries[i].isBlank()) {
                    figures.add(run("try-" + (i + 1), jar, ChartInstall.chart(), tries[i].strip()));
                }
            }
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

    /** @param javaOptsOverride JVM options in place of the chart's, or null for the chart's own */
    Figures run(String variant, Path jar, Path chart, String javaOptsOverride) throws Exception {
        DaemonSet ds = ChartInstall.render(chart).stream().filter(DaemonSet.class::isInstance).map(DaemonSet.class::cast)
                .findFirst().orElseThrow();
        var container = ds.getSpec().getTemplate().getSpec().getContainers().getFirst();
        Quantity limit = container.getResources().getLimits().get("memory");
        Quantity cpuLimit = container.getResources().getLimits().get("cpu");
        // The chart's CPU limit as a CFS quota too, unless -Dfootprint.cpuQuota=false: it is what
        // throttles the JVM's start in the pod.
        long cpuMillis = cpuLimit == null || !Boolean.parseBoolean(System.getProperty("footprint.cpuQuota", "true")) ? 0
                : Math.round(cpuLimit.getNumericalAmount().doubleValue() * 1000);
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar e : container.getEnv()) {
            if (e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null) {
                // The downward API, as the kubelet fills it in.
                env.put(e.getName(), switch (e.getValueFrom().getFieldRef().getFieldPath()) {
                    case "spec.nodeName" -> NODE;
                    case "metadata.name" -> "backlog-sentinel-agent-x7k2p";
                    case "metadata.namespace" -> ChartInstall.AGENT_NAMESPACE;
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
        String javaOpts = (javaOptsOverride != null ? javaOptsOverride : env.getOrDefault("JAVA_TOOL_OPTIONS", ""))
                // (an AOT training run, -XX:AOTCacheOutput, crashes when asked for its NMT summary: JDK 25.0.3)
                + (Boolean.parseBoolean(System.getProperty("footprint.nmt", "true")) && !javaOptsOverride(javaOptsOverride).contains("AOTCacheOutput")
                        ? " -XX:NativeMemoryTracking=summary" : "");
        env.put("JAVA_TOOL_OPTIONS", javaOpts.strip());
        System.out.printf("%n== %s: %s, memory limit %s, CPU limit %s ==%n", variant, env.get("JAVA_TOOL_OPTIONS"), limit,
                cpuMillis > 0 ? cpuMillis + "m" : "none");

        try (TestApiServer server = TestApiServer.start(Duration.ofHours(1)); KubernetesClient admin = server.admin();
                MemoryCgroup cgroup = MemoryCgroup.withLimits("footprint-agent", limit.getNumericalAmount().longValue(), cpuMillis)) {
            ChartInstall.Installed installed = ChartInstall.on(server);
            Identity agent = installed.agent();
            // The chart guards the agent's metrics (agent.metricsAuth): they are read as Prometheus reads
            // them, with a token bound to the chart's metrics-reader ClusterRole, so each scrape costs the
            // agent what it costs in a cluster.
            String scraper = MetricsReader.token(admin, ChartInstall.NAMESPACE, "footprint-prometheus", ChartInstall.RELEASE);
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
                Measured.figure("time to the first report (s)", firstReport < 0 ? Double.NaN : firstReport);
                double firstScanMs = Measured.figure("longest scan until the first report (ms)", scanMaxMs(port, scraper));
                System.out.printf("first report after %.2f s (longest scan so far: %.0f ms)%n", firstReport, firstScanMs);
                Thread.sleep(Math.max(0, WARM.toMillis() - (System.nanoTime() - t0) / 1_000_000));

                // CPU over 60 s with nothing else asking anything of it (Prometheus would scrape every 30 s or so).
                long[] cpu0 = cpuTicks(process.pid());
                Map<String, Long> threads0 = threadTicks(process.pid());
                long w0 = System.nanoTime();
                Thread.sleep(CPU_WINDOW.toMillis());
                long[] cpu1 = cpuTicks(process.pid());
                Map<String, Long> threads1 = threadTicks(process.pid());
                double seconds = (System.nanoTime() - w0) / 1e9;
                StringBuilder byThread = new StringBuilder("CPU by thread (% of one core):");
                threads1.entrySet().stream().map(e -> Map.entry(e.getKey(), e.getValue() - threads0.getOrDefault(e.getKey(), 0L)))
                        .filter(e -> e.getValue() > 0).sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(8)
                        .forEach(e -> byThread.append(String.format(Locale.ROOT, " %s %.2f;", e.getKey(), e.getValue() / seconds)));
                System.out.println(byThread);
                // clock ticks are 1/100 s: ticks per second is a percentage of one core
                double user = (cpu1[0] - cpu0[0]) / seconds;
                double system = (cpu1[1] - cpu0[1]) / seconds;
                double cpu = user + system;
                // Then each scan's time, from the scan timer's sum and count scraped after every scan.
                List<Double> scans = new ArrayList<>();
                double[] last = scanTimer(port, scraper);
                for (int i = 0; i < SCAN_SAMPLES; i++) {
                    Thread.sleep(2_000);
                    double[] now = scanTimer(port, scraper);
                    if (now[1] > last[1]) {
                        scans.add((now[0] - last[0]) / (now[1] - last[1]) * 1000);
                    }
                    last = now;
                }
                assertThat(process.isAlive()).as("the agent ran through the measurement; its log:%n%s", Files.readString(log)).isTrue();
                Measured.samples("scan times", scans, SCAN_SAMPLES);
                Map<String, Double> status = statusMb(process.pid());
                double rss = Measured.figure("steady RSS (MB)", status, "VmRSS");
                double workingSet = cgroup.workingSetBytes() / 1048576.0;
                Map<String, Double> nmt = javaOpts.contains("NativeMemoryTracking") ? nmt(process.pid()) : Map.of();
                if (Boolean.getBoolean("footprint.histogram")) {
                    Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                            Long.toString(process.pid()), "GC.class_histogram").redirectErrorStream(true).start();
                    List<String> lines = new String(jcmd.getInputStream().readAllBytes()).lines().toList();
                    lines.stream().limit(30).forEach(System.out::println);
                    System.out.println(lines.getLast());
                }
                double[] sorted = scans.stream().mapToDouble(Double::doubleValue).sorted().toArray();
                System.out.printf("RSS %.1f MB (anon %.1f, file %.1f), cgroup working set %.1f MB, CPU %.2f%% (user %.2f, system %.2f), "
                        + "scans p50 %.1f ms p90 %.1f ms (%d)%n", rss, status.get("RssAnon"), status.get("RssFile"), workingSet, cpu, user, system,
                        Measured.percentile("scan p50 (ms)", sorted, 50), Measured.percentile("scan p90 (ms)", sorted, 90), sorted.length);
                return new Figures(variant, rss, Measured.figure("anonymous RSS (MB)", status, "RssAnon"),
                        Measured.figure("file-backed RSS (MB)", status, "RssFile"), Measured.figure("cgroup working set (MB)", workingSet),
                        Measured.figure("classes loaded", classes(process.pid())), firstScanMs, nmt, cpu, user, system,
                        Measured.percentile("scan p50 (ms)", sorted, 50), Measured.percentile("scan p90 (ms)", sorted, 90), firstReport,
                        env.get("JAVA_TOOL_OPTIONS"), limit.toString());
            } finally {
                process.destroy();
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }

    /** backlog_scan_duration_seconds_max in ms: the longest recent scan (the first, right after start); NaN when not served. */
    static double scanMaxMs(int port, String token) throws Exception {
        String metrics = scrape(port, token);
        return metrics.lines().filter(l -> l.startsWith("backlog_scan_duration_seconds_max"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)) * 1000).findFirst().orElse(Double.NaN);
    }

    /** backlog_scan_duration_seconds: {sum, count}. */
    static double[] scanTimer(int port, String token) throws Exception {
        String metrics = scrape(port, token);
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

    /** The agent's /q/metrics, with a bearer token; a refused scrape fails with what the agent said. */
    static String scrape(int port, String token) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/q/metrics")).header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new AssertionError("the agent refused the benchmark's scrape (" + response.statusCode() + "): " + response.body());
        }
        return response.body();
    }

    private static String javaOptsOverride(String opts) {
        return opts == null ? "" : opts;
    }

    /** utime + stime of each thread, in clock ticks, by thread name (threads of one name summed). */
    static Map<String, Long> threadTicks(long pid) throws Exception {
        Map<String, Long> out = new LinkedHashMap<>();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    out.merge(name, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
                } catch (java.io.IOException e) {
                    // A thread that ended meanwhile.
                }
            }
        }
        return out;
    }

    /** {utime, stime} of a process, in clock ticks. */
    static long[] cpuTicks(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
    }

    /** The kB lines of /proc/&lt;pid&gt;/status (VmRSS, RssAnon, RssFile, ...), in MB. */
    static Map<String, Double> statusMb(long pid) throws Exception {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.endsWith(" kB")) {
                out.put(line.substring(0, colon), Long.parseLong(line.substring(colon + 1, line.length() - 3).strip()) / 1024.0);
            }
        }
        return out;
    }

    /** Classes loaded, from VM.metaspace's "Total Usage - N loaders, M classes" line. */
    static double classes(long pid) throws Exception {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid),
                "VM.metaspace").redirectErrorStream(true).start();
        var m = java.util.regex.Pattern.compile("Total Usage - \\d+ loaders, (\\d+) classes")
                .matcher(new String(jcmd.getInputStream().readAllBytes()));
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
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

    static void print(List<Figures> all) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "%n=== Agent footprint, as the chart runs it: %d namespaces x 2 listeners, %d established host sockets ===%n",
                NAMESPACES, 2 * CONNECTIONS));
        out.append(BenchmarkSizes.banner());
        out.append(String.format(Locale.ROOT, "%-34s", ""));
        all.forEach(f -> out.append(String.format(Locale.ROOT, " %12s", f.variant())));
        out.append(all.size() > 1 ? String.format(Locale.ROOT, " %8s%n", "ratio") : "\n");
        row(out, "steady RSS (MB)", all, Figures::rssMb);
        row(out, "  anonymous", all, Figures::rssAnonMb);
        row(out, "  file-backed", all, Figures::rssFileMb);
        row(out, "cgroup working set (MB)", all, Figures::workingSetMb);
        row(out, "classes loaded", all, Figures::classes);
        row(out, "CPU over 60 s (% of one core)", all, Figures::cpuPercent);
        row(out, "  user", all, Figures::userPercent);
        row(out, "  system", all, Figures::systemPercent);
        row(out, "scan p50 (ms)", all, Figures::scanP50Ms);
        row(out, "scan p90 (ms)", all, Figures::scanP90Ms);
        row(out, "first report after start (s)", all, Figures::firstReportSeconds);
        row(out, "  longest scan until then (ms)", all, Figures::firstScanMs);
        out.append("NMT committed (MB):\n");
        List<String> keys = new ArrayList<>();
        all.forEach(f -> f.nmtMb().keySet().stream().filter(k -> !keys.contains(k)).forEach(keys::add));
        for (String k : keys) {
            if (all.stream().anyMatch(f -> f.nmtMb().getOrDefault(k, 0.0) >= 0.5)) {
                row(out, "  " + k, all, f -> f.nmtMb().getOrDefault(k, 0.0));
            }
        }
        all.forEach(f -> out.append(String.format(Locale.ROOT, "%-8s %s, limit %s%n", f.variant() + ":", f.javaOpts(), f.limit())));
        System.out.println(out);
    }

    /** One figure per variant; the ratio is the last variant's over the first's. */
    static void row(StringBuilder out, String label, List<Figures> all, java.util.function.ToDoubleFunction<Figures> figure) {
        out.append(String.format(Locale.ROOT, "%-34s", label));
        for (Figures f : all) {
            out.append(String.format(Locale.ROOT, " %12.2f", figure.applyAsDouble(f)));
        }
        double first = figure.applyAsDouble(all.getFirst());
        double last = figure.applyAsDouble(all.getLast());
        out.append(all.size() > 1 && first != 0 ? String.format(Locale.ROOT, " %7.2fx", last / first) : "").append('\n');
    }
}
