package dev.backlogsentinel.e2e;

import com.marcnuri.helm.Helm;
import dev.backlogsentinel.testing.BenchmarkSizes;
import dev.backlogsentinel.testing.Measured;
import dev.backlogsentinel.testing.TestNode;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The agent under CPU contention, on a real node (kubelet, containerd, the chart's images): a
 * neighbour pod that requests one core and keeps every core busy, at default priority in the
 * kubelet's cgroup tree. CFS divides a busy CPU by cpu.shares, which the kubelet sets from each
 * pod's CPU request, so the agent's request decides how much of a busy node it gets: exactly when
 * listen queues fill. For each request (the chart's, and larger ones, by `helm upgrade`), and once
 * on an idle node for reference, it measures:
 * <ul>
 * <li>the scan interval the agent achieves (its own backlog_scan_interval_seconds histogram, over a
 * window with the hog running; the configured interval is 2 s);</li>
 * <li>the time from flooding a listen(16) server (a non-root pod; the flood made from outside the
 * contention, in its network namespace) to its ListenQueueSaturated event: the agent's scan,
 * report write, the operator (its own request, 100m) and the event.</li>
 * </ul>
 * Printed side by side. Not a test.
 *
 * <pre>
 * ./run-tests -Pbench -pl e2e -am -Dit.test=ContentionBenchmark -Dit.failIfNoSpecifiedTests=false [-Dcontention.requests=10m,25m,50m,100m]
 *        [-Dcontention.windowSeconds=90] [-Dcontention.floods=3] [-Dbench.quick]
 * </pre>
 */
class ContentionBenchmark {

    /** Prometheus's token: the chart's agent serves its metrics only to a scraper allowed to get /metrics. */
    static volatile String scraper;

    static final String NODE = TestNode.NODE;
    static final List<String> REQUESTS = Arrays.stream(BenchmarkSizes.text("contention.requests", "10m,25m,50m,100m", "10m,100m")
            .split(",")).map(String::strip).toList();
    static final Duration WINDOW = BenchmarkSizes.seconds("contention.windowSeconds", 90, 20);
    static final int FLOODS = BenchmarkSizes.count("contention.floods", 3, 1);
    static final Duration WAIT = Duration.ofSeconds(180);
    /** The interval histogram's bucket bounds, as the agent registers them. */
    static final List<String> BOUNDS = List.of("2.5", "3.0", "5.0", "10.0");

    /** What one setting measured. */
    record Figures(String setting, int scans, Map<String, Double> overBound, double maxInterval, List<Double> toEvent) {
    }

    @Test
    void agentUnderCpuContention() throws Exception {
        assertThat(System.getProperty("user.name")).as("root: a node needs namespaces, mounts and cgroups").isEqualTo("root");
        Path root = TestNode.repositoryRoot();
        ReadmeSteps readme = ReadmeSteps.read(root.resolve("README.md"));
        Path chart = root.resolve(readme.chart());
        Path agent = root.resolve("target/images/agent.tar");
        Path operator = root.resolve("target/images/operator.tar");
        for (Path image : List.of(agent, operator)) {
            assertThat(image).as("the image built by the Quarkus Jib extension: run through ./run-tests, which builds them").isRegularFile();
        }
        List<Figures> all = new ArrayList<>();
        try (TestNode node = TestNode.up(List.of(agent, operator, RealNodeIT.workloadImage()));
                KubernetesClient admin = node.admin()) {
            Run run = new Run(node, admin, readme);
            var install = new Helm(chart).install().withName(readme.release()).withNamespace(readme.namespace())
                    .withKubeConfig(node.kubeconfig()).createNamespace()
                    .set("agent.image.repository", RealNodeIT.AGENT_REPOSITORY).set("agent.image.tag", RealNodeIT.IMAGE_TAG)
                    .set("operator.image.repository", RealNodeIT.OPERATOR_REPOSITORY).set("operator.image.tag", RealNodeIT.IMAGE_TAG)
                    .set("agent.resources.requests.cpu", REQUESTS.getFirst());
            install.call();
            scraper = AgentScrape.prometheusToken(admin, readme.release());
            run.agentReady(null);
            node.kubectl("apply", "-f", RealNodeIT.resource("web.yaml").toString());
            node.kubectl("apply", "-f", Files.writeString(Files.createTempFile("policy", ".yaml"), readme.policyYaml()).toString());
            Pod web = await().atMost(WAIT).until(() -> run.runningPod("shop", "web"), p -> p != null);
            await().atMost(WAIT).until(() -> node.kubectl("get", "blp", "-n", "shop", "web", "-o", "jsonpath={.status.matchedPods}")
                    .strip().equals("1"));

            all.add(run.measure("idle node, request " + REQUESTS.getFirst(), web));
            node.kubectl("apply", "-f", RealNodeIT.resource("hog.yaml").toString());
            await().atMost(WAIT).until(() -> run.runningPod("load", "hog"), p -> p != null);
            for (int i = 0; i < REQUESTS.size(); i++) {
                String request = REQUESTS.get(i);
                if (i > 0) {
                    String before = run.agentPod().getMetadata().getUid();
                    new Helm(chart).upgrade().withName(readme.release()).withNamespace(readme.namespace()).withKubeConfig(node.kubeconfig())
                            .set("agent.image.repository", RealNodeIT.AGENT_REPOSITORY).set("agent.image.tag", RealNodeIT.IMAGE_TAG)
                            .set("operator.image.repository", RealNodeIT.OPERATOR_REPOSITORY).set("operator.image.tag", RealNodeIT.IMAGE_TAG)
                            .set("agent.resources.requests.cpu", request).call();
                    run.agentReady(before);
                }
                all.add(run.measure("CPU hog, request " + request, web));
            }
            print(all);
        }
        for (Figures f : all) {
            assertThat(f.scans()).as("%s: scans counted in the window", f.setting()).isPositive();
            assertThat(f.toEvent()).as("%s: every flood reached its event", f.setting()).hasSize(FLOODS).doesNotContain(Double.NaN);
        }
    }

    /** The node, its client and what the README installs. */
    record Run(TestNode node, KubernetesClient admin, ReadmeSteps readme) {

        Figures measure(String setting, Pod web) throws Exception {
            System.out.printf("%n== %s ==%n", setting);
            // The agent's first scans after a start are not its steady pace.
            Thread.sleep(10_000);
            Map<String, Double> start = scrape();
            Thread.sleep(WINDOW.toMillis());
            Map<String, Double> end = scrape();
            int scans = (int) (end.get("count") - start.get("count"));
            // At the 2 s interval a window holds WINDOW/2 scans; fewer than half of them is no pace at all.
            Measured.samples("scans in the " + WINDOW.toSeconds() + " s window (" + setting + ")",
                    java.util.Collections.nCopies(Math.max(scans, 0), 1), (int) (WINDOW.toSeconds() / 4));
            Map<String, Double> over = new LinkedHashMap<>();
            for (String bound : BOUNDS) {
                double within = end.get(bound) - start.get(bound);
                over.put(bound, Measured.figure("scans over " + bound + " s (%)", 100.0 * (scans - within) / scans));
            }
            List<Double> toEvent = new ArrayList<>();
            for (int i = 0; i < FLOODS; i++) {
                toEvent.add(floodToEvent(web));
            }
            Figures f = new Figures(setting, scans, over, end.get("max"), toEvent);
            System.out.println(f);
            return f;
        }

        /**
         * Seconds from the flood to a new ListenQueueSaturated event of the pod; then drained,
         * recovered, and held again. The flood is made from this host inside the pod's network
         * namespace (nsenter, python3), not by kubectl exec in the pod: a JVM starting in a pod
         * that requests 10m of a busy CPU would time itself, not the agent.
         */
        double floodToEvent(Pod web) throws Exception {
            String name = web.getMetadata().getName();
            int before = events("shop", name, "ListenQueueSaturated").size();
            int recoveredBefore = events("shop", name, "ListenQueueRecovered").size();
            long flooded = System.nanoTime();
            flood(serverPid(), RealNodeIT.FLOOD);
            await().atMost(WAIT).pollInterval(Duration.ofMillis(100))
                    .until(() -> events("shop", name, "ListenQueueSaturated").size() > before);
            double seconds = (System.nanoTime() - flooded) / 1e9;
            assertThat(exec(web, "tell", "8080", "drain")).isEqualTo("draining");
            await().atMost(WAIT).until(() -> events("shop", name, "ListenQueueRecovered").size() > recoveredBefore);
            assertThat(exec(web, "tell", "8080", "hold")).isEqualTo("holding");
            System.out.printf("flood to Saturated event: %.1f s%n", seconds);
            return seconds;
        }

        /** The slow server's pid on this host (the node's containers share its pid namespace). */
        static long serverPid() throws Exception {
            Process p = new ProcessBuilder("pgrep", "-f", dev.backlogsentinel.e2e.workload.SlowServer.class.getName() + " serve 8080")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            assertThat(p.waitFor()).as("pgrep of the slow server: %s", out).isZero();
            assertThat(out.lines().count()).as("one slow server: %s", out).isEqualTo(1);
            return Long.parseLong(out);
        }

        /** N connection attempts to its port from inside its network namespace, held three seconds, as RealNodeIT's flood. */
        static void flood(long pid, int n) throws Exception {
            String script = "import socket,time\nss=[]\nfor i in range(%d):\n s=socket.socket()\n s.setblocking(False)\n"
                    .formatted(n) + " try:\n  s.connect(('127.0.0.1',8080))\n except BlockingIOError:\n  pass\n ss.append(s)\n"
                    + "time.sleep(3)\n";
            Process p = new ProcessBuilder("nsenter", "-t", Long.toString(pid), "-n", "python3", "-c", script)
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor()).as("the flood: %s", out).isZero();
        }

        /** The agent's scan-interval histogram: its buckets by bound, count and max (an agent just started may take a moment). */
        Map<String, Double> scrape() throws Exception {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            String last = "";
            while (System.nanoTime() < deadline) {
                try {
                    last = body();
                    Map<String, Double> values = histogram(last);
                    if (values.containsKey("count") && values.containsKey("max") && values.containsKey(BOUNDS.getFirst())) {
                        return values;
                    }
                } catch (java.io.IOException e) {
                    last = e.toString();
                }
                Thread.sleep(1_000);
            }
            throw new AssertionError("no scan-interval histogram at " + TestNode.NODE_IP + ":9464 within 60 s; the agent pod "
                    + agentPod().getMetadata().getName() + " served:\n" + last.lines().filter(l -> l.startsWith("backlog_scan") || !l.startsWith("#"))
                    .limit(40).collect(java.util.stream.Collectors.joining("\n")));
        }

        static String body() throws Exception {
            return AgentScrape.body(scraper);
        }

        static Map<String, Double> histogram(String body) {
            Map<String, Double> values = new TreeMap<>();
            for (String line : body.lines().toList()) {
                double value = line.startsWith("backlog_scan_interval_seconds") ? Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)) : 0;
                if (line.startsWith("backlog_scan_interval_seconds_count ")) {
                    values.put("count", value);
                } else if (line.startsWith("backlog_scan_interval_seconds_max ")) {
                    values.put("max", value);
                } else if (line.startsWith("backlog_scan_interval_seconds_bucket{le=\"")) {
                    String bound = line.substring(line.indexOf('"') + 1, line.indexOf('"', line.indexOf('"') + 1));
                    values.put(bound, value);
                }
            }
            return values;
        }

        void agentReady(String replacedUid) {
            await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
                Pod p = agentPod();
                return p != null && !p.getMetadata().getUid().equals(replacedUid) && ready(p);
            });
        }

        Pod agentPod() {
            List<Pod> pods = admin.pods().inNamespace(readme.agentNamespace()).withLabel("app.kubernetes.io/component", "agent").list().getItems()
                    .stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
            return pods.size() == 1 ? pods.getFirst() : null;
        }

        static boolean ready(Pod p) {
            List<PodCondition> conditions = p.getStatus() == null ? null : p.getStatus().getConditions();
            return conditions != null && conditions.stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
        }

        Pod runningPod(String namespace, String app) {
            List<Pod> pods = admin.pods().inNamespace(namespace).withLabel("app", app).list().getItems().stream()
                    .filter(p -> p.getMetadata().getDeletionTimestamp() == null && "Running".equals(p.getStatus().getPhase())).toList();
            return pods.size() == 1 ? pods.getFirst() : null;
        }

        List<Event> events(String namespace, String name, String reason) {
            return admin.v1().events().inNamespace(namespace).list().getItems().stream()
                    .filter(e -> name.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason())).toList();
        }

        String exec(Pod pod, String... args) {
            List<String> command = new ArrayList<>(List.of("exec", "-n", "shop", pod.getMetadata().getName(), "-c", "server", "--",
                    "java", "-cp", "/app/classes", dev.backlogsentinel.e2e.workload.SlowServer.class.getName()));
            command.addAll(List.of(args));
            return node.kubectl(command.toArray(String[]::new)).strip();
        }
    }

    static void print(List<Figures> all) {
        StringBuilder out = new StringBuilder(String.format("%n=== The agent under CPU contention (real node, 2 cores; a neighbour "
                + "requesting 1 core keeps both busy; scan interval 2 s) ===%n"));
        out.append(BenchmarkSizes.banner());
        out.append(String.format("%-30s %7s %9s %9s %9s %9s %9s   %s%n", "", "scans", ">2.5 s", ">3 s", ">5 s", ">10 s", "max (s)",
                "flood to Saturated event (s)"));
        for (Figures f : all) {
            out.append(String.format("%-30s %7d %8.1f%% %8.1f%% %8.1f%% %8.1f%% %9.1f   %s%n", f.setting(), f.scans(),
                    f.overBound().get("2.5"), f.overBound().get("3.0"), f.overBound().get("5.0"), f.overBound().get("10.0"),
                    f.maxInterval(), f.toEvent().stream().map(d -> String.format("%.1f", d)).toList()));
        }
        System.out.println(out);
    }
}
