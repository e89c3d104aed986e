package dev.backlogsentinel.agent.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.backlogsentinel.agent.NetnsFixture;
import dev.backlogsentinel.agent.RootRequired;
import dev.backlogsentinel.testing.NetnsApp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged agent run as the README runs it, without a cluster: as root, as an unprivileged
 * user, as a live table serving metrics, and as a live stream of JSON lines. Besides the
 * namespace the test fills itself, a real server process (Python) holds a listener in a namespace
 * of its own, so the output must name who holds it.
 */
@RootRequired
class LocalModeIT {

    static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    /** nobody: the uid of a server that, like most pods' servers, does not run as root. */
    static final int NON_ROOT = 65534;
    static NetnsFixture netns;
    static NetnsApp app;
    static NetnsApp nonRootApp;

    @BeforeAll
    static void fill() throws Exception {
        assertThat(JAR).as("run after package").exists();
        netns = NetnsFixture.withFullQueues();
        app = NetnsApp.start(7070, 8, 12);
        nonRootApp = NetnsApp.startAs(NON_ROOT, 7071, 8, 12);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (app != null) {
            app.close();
        }
        if (nonRootApp != null) {
            nonRootApp.close();
        }
        if (netns != null) {
            netns.close();
        }
    }

    /** The app's namespace in a JSON document, by the pid that holds it. */
    static JsonNode appNamespace(JsonNode doc) {
        return namespaceOf(doc, app);
    }

    static JsonNode namespaceOf(JsonNode doc, NetnsApp app) {
        for (JsonNode ns : doc.get("namespaces")) {
            for (JsonNode pid : ns.get("pids")) {
                if (pid.asLong() == app.pid()) {
                    return ns;
                }
            }
        }
        throw new AssertionError("no namespace with pid " + app.pid() + " in " + doc);
    }

    /**
     * setpriv arguments that run the agent as its pod runs it: uid 0, with only the capabilities the
     * chart's DaemonSet adds (read from what real Helm renders), less any named here.
     */
    static List<String> asTheChartRunsIt(String... withheld) {
        List<String> caps = chartCapabilities().stream().filter(c -> !List.of(withheld).contains(c)).toList();
        String set = "-all" + caps.stream().map(c -> ",+" + c.toLowerCase(java.util.Locale.ROOT)).collect(java.util.stream.Collectors.joining());
        // For uid 0 the kernel grants at exec whatever the bounding set holds, and nothing more.
        return List.of("setpriv", "--inh-caps=-all", "--bounding-set=" + set, "--");
    }

    static List<String> chartCapabilities() {
        io.fabric8.kubernetes.api.model.apps.DaemonSet ds = dev.backlogsentinel.testing.ChartInstall.render(
                dev.backlogsentinel.testing.ChartInstall.chart()).stream()
                .filter(io.fabric8.kubernetes.api.model.apps.DaemonSet.class::isInstance)
                .map(io.fabric8.kubernetes.api.model.apps.DaemonSet.class::cast).findFirst().orElseThrow();
        var sc = ds.getSpec().getTemplate().getSpec().getContainers().getFirst().getSecurityContext();
        assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(sc.getRunAsUser()).isZero();
        return sc.getCapabilities().getAdd();
    }

    record Run(int exit, String stdout, String stderr) {
    }

    static Run agent(List<String> prefix, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-jar", JAR.toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        Path err = Files.createTempFile("agent", ".err");
        err.toFile().setReadable(true, false);
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String stderr = Files.readString(err);
        Files.delete(err);
        return new Run(p.exitValue(), out, stderr);
    }

    static JsonNode namespace(JsonNode doc, long nsInode, long key) {
        for (JsonNode ns : doc.get("namespaces")) {
            if (ns.get("key").asLong() == key) {
                if (!ns.get("netns").isNull()) {
                    assertThat(ns.get("netns").asLong()).isEqualTo(nsInode);
                }
                return ns;
            }
        }
        throw new AssertionError("namespace " + nsInode + " not in " + doc);
    }

    static JsonNode listener(JsonNode ns, int port) {
        for (JsonNode l : ns.get("listeners")) {
            if (l.get("port").asInt() == port) {
                return l;
            }
        }
        throw new AssertionError("port " + port + " not in " + ns);
    }

    @Test
    void jsonAsRootUsesNetlinkAndReadsTheRealLimit() throws Exception {
        Run run = agent(List.of(), "--once", "--output", "json");
        assertThat(run.exit()).as(run.stderr()).isZero();
        JsonNode doc = new ObjectMapper().readTree(run.stdout());
        assertThat(doc.get("reader").asText()).isEqualTo("netlink");
        JsonNode ns = namespace(doc, netns.nsInode(), netns.key());
        assertThat(ns.get("somaxconn").asInt()).isEqualTo(4096);
        assertThat(ns.get("counters").get("listenOverflows").asLong()).isGreaterThanOrEqualTo(13);
        for (int port : new int[] {8080, 8443}) {
            JsonNode l = listener(ns, port);
            assertThat(l.get("family").asText()).isEqualTo(port == 8080 ? "IPv4" : "IPv6");
            assertThat(l.get("address").asText()).isEqualTo(port == 8080 ? "127.0.0.1" : "::1");
            assertThat(l.get("depth").asInt()).isEqualTo(17);
            assertThat(l.get("limit").asInt()).isEqualTo(16);
            assertThat(l.get("limitedBy").asText()).isEqualTo("backlog");
            assertThat(l.get("full").asBoolean()).isTrue();
            assertThat(l.get("usagePercent").asDouble()).isEqualTo(106.3);
            assertThat(l.has("synRecv")).isTrue();
        }
        assertThat(ns.get("sysctls").get("somaxconn").asInt()).isEqualTo(4096);
        assertThat(ns.get("sysctls").get("tcpSyncookies").isInt()).as("read from inside the namespace").isTrue();

        JsonNode held = listener(appNamespace(doc), 7070);
        assertThat(held.get("depth").asInt()).isEqualTo(9);
        assertThat(held.get("process").get("pid").asLong()).as("who holds the socket, as ss -p shows it").isEqualTo(app.pid());
        assertThat(held.get("process").get("command").asText()).isEqualTo("python3");
        assertThat(held.get("process").get("fd").asInt()).isPositive();
        assertThat(held.get("process").get("holders").asInt()).isEqualTo(1);
        assertThat(run.stderr()).doesNotContain("Exception");

        Run table = agent(List.of(), "--once");
        assertThat(table.exit()).isZero();
        assertThat(table.stdout()).contains("PROCESS").contains("python3(" + app.pid() + ")");
    }

    @Test
    void asTheChartRunsItTheHolderOfANonRootServerIsNamed() throws Exception {
        Run run = agent(asTheChartRunsIt(), "--once", "--output", "json");
        assertThat(run.exit()).as(run.stderr()).isZero();
        JsonNode doc = new ObjectMapper().readTree(run.stdout());
        assertThat(doc.get("reader").asText()).isEqualTo("netlink");
        JsonNode held = listener(namespaceOf(doc, nonRootApp), 7071);
        assertThat(held.get("depth").asInt()).isEqualTo(9);
        assertThat(held.get("limit").asInt()).isEqualTo(8);
        assertThat(held.get("process").isNull()).as("who holds a uid %d server's socket: %s", NON_ROOT, held).isFalse();
        assertThat(held.get("process").get("pid").asLong()).isEqualTo(nonRootApp.pid());
        assertThat(held.get("process").get("command").asText()).isEqualTo("python3");
        String fdDir = "/proc/" + nonRootApp.pid() + "/fd";
        for (JsonNode d : doc.get("errorDetails")) {
            assertThat(d.get("file").asText()).as("nothing of the server refused: %s", d).isNotEqualTo(fdDir);
        }
    }

    @Test
    void withoutDacReadSearchAMissingHolderIsARefusalNamedInTheErrors() throws Exception {
        Run run = agent(asTheChartRunsIt("DAC_READ_SEARCH"), "--once", "--output", "json");
        assertThat(run.exit()).as(run.stderr()).isZero();
        JsonNode doc = new ObjectMapper().readTree(run.stdout());
        JsonNode ns = namespaceOf(doc, nonRootApp);
        JsonNode held = listener(ns, 7071);
        assertThat(held.get("depth").asInt()).as("depth and limit need no fd").isEqualTo(9);
        assertThat(held.get("process").isNull()).as("a uid %d server's fds may not be listed", NON_ROOT).isTrue();
        assertThat(doc.get("errors").get("permission").asInt()).isPositive();
        String fdDir = "/proc/" + nonRootApp.pid() + "/fd";
        JsonNode detail = null;
        for (JsonNode d : doc.get("errorDetails")) {
            if (fdDir.equals(d.get("file").asText())) {
                detail = d;
            }
        }
        assertThat(detail).as("a detail naming %s in %s", fdDir, doc.get("errorDetails")).isNotNull();
        assertThat(detail.get("kind").asText()).isEqualTo("permission");
        assertThat(detail.get("key").asLong()).isEqualTo(ns.get("key").asLong());
        assertThat(detail.get("message").asText()).contains("uid " + NON_ROOT).contains("CAP_DAC_READ_SEARCH")
                .contains("listening socket");
        assertThat(run.stderr()).doesNotContain("Exception");

        Run table = agent(asTheChartRunsIt("DAC_READ_SEARCH"), "--once");
        assertThat(table.stdout()).contains("scan errors:").contains("permission");
    }

    @Test
    void liveJsonPrintsOneDocumentPerScanPerLine() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquarkus.http.port=" + port, "-jar", JAR.toAbsolutePath().toString(), "-o", "json", "--interval", "300ms");
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            ObjectMapper json = new ObjectMapper();
            List<java.time.Instant> scannedAt = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String line = lines.readLine();
                assertThat(line).as("a line per scan, flushed as it is printed").isNotNull();
                JsonNode doc = json.readTree(line);
                assertThat(listener(appNamespace(doc), 7070).get("depth").asInt()).isEqualTo(9);
                scannedAt.add(java.time.Instant.parse(doc.get("scannedAt").asText()));
            }
            assertThat(scannedAt).doesNotHaveDuplicates().isSorted();
            assertThat(p.isAlive()).as("live: it goes on until stopped").isTrue();
            // As `| head -n 3` does: the reader goes away, and the agent stops with it.
            lines.close();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("a closed pipe ends live JSON").isTrue();
            assertThat(p.exitValue()).isZero();
        } finally {
            p.destroy();
            p.waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void asNobodyItFallsBackToProcfsSaysSoOnceAndPrintsNoStackTrace() throws Exception {
        List<String> nobody = List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--");
        Run run = agent(nobody, "--once", "--output", "json");
        assertThat(run.exit()).as(run.stderr()).isZero();
        JsonNode doc = new ObjectMapper().readTree(run.stdout());
        assertThat(doc.get("reader").asText()).isEqualTo("procfs");
        assertThat(doc.get("readerNote").asText()).contains("CAP_SYS_ADMIN").contains("procfs");
        JsonNode ns = namespace(doc, netns.nsInode(), netns.key());
        JsonNode l = listener(ns, 8080);
        assertThat(l.get("depth").asInt()).as("depth is still exact").isEqualTo(17);
        assertThat(l.get("limitedBy").asText()).isEqualTo("unknown");
        assertThat(ns.get("counters").get("listenOverflows").asLong()).isGreaterThanOrEqualTo(13);
        assertThat(run.stderr().lines().filter(line -> line.contains("netlink reader not permitted"))).hasSize(1);
        assertThat(run.stderr()).doesNotContain("Exception").doesNotContain("\tat ");

        Run table = agent(nobody, "--once");
        assertThat(table.exit()).isZero();
        assertThat(table.stdout()).contains("reader procfs").contains("note: netlink reader not permitted").contains("17/");
    }

    @Test
    void liveTableRedrawsEachScanAndServesMetricsMeanwhile() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquarkus.http.port=" + port, "-jar", JAR.toAbsolutePath().toString(), "--interval", "300ms");
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            StringBuilder seen = new StringBuilder();
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                try {
                    byte[] buf = new byte[8192];
                    int n;
                    while ((n = p.getInputStream().read(buf)) > 0) {
                        synchronized (seen) {
                            seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                        }
                    }
                } catch (IOException ignored) {
                    // The process is destroyed at the end of the test.
                }
            });
            HttpClient http = HttpClient.newHttpClient();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                synchronized (seen) {
                    assertThat(seen.toString().split("Backlog Sentinel: ", -1).length - 1).as("scans printed").isGreaterThanOrEqualTo(3);
                }
                String body = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/q/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                assertThat(body).contains("backlog_listen_queue_depth{").contains("port=\"8080\"");
            });
            reader.interrupt();
        } finally {
            p.destroy();
            p.waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void clusterModeWithoutNodeNameExitsWithAMessageNamingIt() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dbacklog.agent.mode=cluster", "-jar", JAR.toAbsolutePath().toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("NODE_NAME");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(out).contains("NODE_NAME").contains("spec.nodeName").doesNotContain("\tat ");
    }

    @Test
    void anUnknownReaderIsRefusedWithAMessage() throws Exception {
        Run run = agent(List.of(), "--once", "--reader", "bogus");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.stderr()).contains("'bogus' is not a reader").doesNotContain("\tat ");
    }
}
