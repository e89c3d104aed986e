package dev.backlogsentinel.testing;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubeapitest.cert.CertManager;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real kube-apiserver with its own etcd, started by io.fabric8:kube-api-test from binaries that
 * {@code bin/kube-test-binaries.sh} built (Debian's kubernetes 1.20.2 source, Debian's etcd). RBAC
 * is on; the admin client is a system:masters certificate and is for setting the stage only: the
 * agent and the operator use the identities the chart gives them ({@link ChartInstall}).
 *
 * <p>Other binaries (a newer envtest set, say): put etcd, kube-apiserver and kubectl in
 * {@code $KUBE_API_TEST_DIR/k8s/<version>-linux-amd64/} and set KUBE_API_TEST_API_SERVER_VERSION.
 */
public final class TestApiServer implements AutoCloseable {

    public static final String DEFAULT_VERSION = "1.20.2";
    private static final Pattern SERVER = Pattern.compile("server:\\s*(https://[^\\s]+)");
    private static TestApiServer shared;

    /**
     * Set by the JVM's shared server to its admin kubeconfig: code in another class loader of the
     * same JVM (Quarkus runs tests in its own) attaches to it instead of starting a second server.
     */
    /** How long etcd and kube-apiserver may take to become ready: generous, for a busy 2-core machine. */
    static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);
    static final String SHARED_PROPERTY = "backlogsentinel.test.apiserver.kubeconfig";

    private final KubeAPIServer server;
    private final Path binaries;
    private final Path work;
    private final String url;
    private final Path adminKubeconfig;
    private final Duration eventTtl;
    private volatile boolean stopped;

    private TestApiServer(Duration eventTtl, List<String> extraFlags) {
        this.eventTtl = eventTtl;
        Path dir = testDir();
        String version = version();
        this.binaries = dir.resolve("k8s").resolve(version + "-linux-amd64");
        if (!Files.isExecutable(binaries.resolve("kube-apiserver")) || !Files.isExecutable(binaries.resolve("etcd"))
                || !Files.isExecutable(binaries.resolve("kubectl"))) {
            throw new IllegalStateException("No test API server in " + binaries + " (etcd, kube-apiserver, kubectl). "
                    + "Run bin/kube-test-binaries.sh as root once (./run-tests and .ci/run do), or point "
                    + "KUBE_API_TEST_DIR / KUBE_API_TEST_API_SERVER_VERSION at binaries you have.");
        }
        List<String> flags = new ArrayList<>(List.of(
                // On loopback there is no Service endpoint to keep: without this it logs an error every 10 s.
                "--endpoint-reconciler-type", "none",
                "--event-ttl", eventTtl.toSeconds() + "s"));
        flags.addAll(extraFlags);
        makeCertificates(dir);
        this.server = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withTestDir(dir.toString()).withApiServerVersion(version).withOfflineMode(true)
                .withUpdateKubeConfig(false).withApiServerFlags(flags).withStartupTimeout((int) STARTUP_TIMEOUT.toMillis()).build());
        waitOutMidnight(LocalTime.now());
        server.start();
        try {
            this.work = Files.createTempDirectory("test-apiserver");
            String yaml = server.getKubeConfigYaml();
            Matcher m = SERVER.matcher(yaml);
            if (!m.find()) {
                throw new IllegalStateException("no server URL in kube-api-test's kubeconfig:\n" + yaml);
            }
            this.url = m.group(1);
            this.adminKubeconfig = work.resolve("admin.kubeconfig");
            Files.writeString(adminKubeconfig, yaml);
        } catch (IOException e) {
            server.stop();
            throw new UncheckedIOException(e);
        }
    }

    /** Attaches to a server another class loader of this JVM started; it stays that loader's to stop. */
    private TestApiServer(Path adminKubeconfig) {
        this.eventTtl = Duration.ofHours(1);
        this.server = null;
        this.binaries = testDir().resolve("k8s").resolve(version() + "-linux-amd64");
        this.adminKubeconfig = adminKubeconfig;
        this.work = adminKubeconfig.getParent();
        try {
            Matcher m = SERVER.matcher(Files.readString(adminKubeconfig));
            if (!m.find()) {
                throw new IllegalStateException("no server URL in " + adminKubeconfig);
            }
            this.url = m.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Makes kube-api-test's certificates (apiserver.{key,crt}, client.{key,crt}) in {@code dir} unless
     * they are there, under a lock that holds across JVMs. kube-api-test's own lock holds only inside
     * one JVM: test JVMs started side by side on a machine without these files each wrote a key of
     * their own, and a server that had started signed ServiceAccount tokens with one key and checked
     * them with another (401). With the files made here first, its own check finds them.
     *
     * @return true when this call made them
     */
    static synchronized boolean makeCertificates(Path dir) {
        try {
            Files.createDirectories(dir);
            try (FileChannel lockFile = FileChannel.open(dir.resolve(".certificates.lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock lock = lockFile.lock()) {
                List<Path> files = List.of(CertManager.API_SERVER_KEY_NAME, CertManager.API_SERVER_CERT_NAME,
                        CertManager.CLIENT_KEY_NAME, CertManager.CLIENT_CERT_NAME).stream().map(dir::resolve).toList();
                if (files.stream().allMatch(Files::isRegularFile)) {
                    return false;
                }
                // A set left half-written by a JVM that died holding the lock is made anew, whole.
                for (Path f : files) {
                    Files.deleteIfExists(f);
                }
                new CertManager(dir.toString()).createCertificatesIfNeeded();
                return true;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the test API server's certificates in " + dir, e);
        }
    }

    /**
     * kube-api-test 7.6.1 times its readiness wait with LocalTime (the time of day), so a start whose
     * deadline falls after midnight sees the deadline as already past and fails at its first poll
     * ("did not start properly" in 0.2 s). Starting after midnight instead costs at most the
     * timeout, once a day.
     */
    static void waitOutMidnight(LocalTime now) {
        long millis = waitBeforeStart(now).toMillis();
        if (millis > 0) {
            System.err.printf("test API server: waiting %d s for midnight, which kube-api-test's start-up wait cannot span%n",
                    millis / 1000);
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting out midnight", e);
            }
        }
    }

    /** Zero, or the time from {@code now} to just after midnight when the start-up deadline would fall past it. */
    static Duration waitBeforeStart(LocalTime now) {
        return now.plus(STARTUP_TIMEOUT).isBefore(now) ? Duration.between(now, LocalTime.MAX).plusSeconds(1) : Duration.ZERO;
    }

    /** The server every test of this JVM shares (default event TTL, 1h), started on first use. */
    public static synchronized TestApiServer shared() {
        if (shared == null) {
            String attached = System.getProperty(SHARED_PROPERTY);
            if (attached != null) {
                shared = new TestApiServer(Path.of(attached));
            } else {
                shared = start(Duration.ofHours(1));
                TestApiServer s = shared;
                System.setProperty(SHARED_PROPERTY, s.adminKubeconfig.toString());
                Runtime.getRuntime().addShutdownHook(new Thread(s::close, "test-apiserver-stop"));
            }
        }
        return shared;
    }

    /** A server of one's own, e.g. with a short --event-ttl; close it when done. */
    public static TestApiServer start(Duration eventTtl) {
        return new TestApiServer(eventTtl, List.of());
    }

    /** A server of one's own with more flags (e.g. an audit log for a benchmark); close it when done. */
    public static TestApiServer start(Duration eventTtl, List<String> extraFlags) {
        return new TestApiServer(eventTtl, extraFlags);
    }

    static Path testDir() {
        return Path.of(Optional.ofNullable(System.getenv(KubeAPIServerConfigBuilder.KUBE_API_TEST_DIR))
                .orElse(System.getProperty("user.home") + "/" + KubeAPIServerConfigBuilder.DIRECTORY_NAME));
    }

    /** The Kubernetes version of the binaries the tests run (KUBE_API_TEST_API_SERVER_VERSION, else 1.20.2). */
    public static String version() {
        return Optional.ofNullable(System.getenv(KubeAPIServerConfigBuilder.KUBE_API_TEST_API_SERVER_VERSION))
                .filter(v -> !v.isBlank()).orElse(DEFAULT_VERSION);
    }

    /** https://127.0.0.1:&lt;port&gt; */
    public String url() {
        return url;
    }

    public int port() {
        return Integer.parseInt(url.substring(url.lastIndexOf(':') + 1));
    }

    /** The server's self-signed certificate: the CA a client trusts. */
    public Path caCertificate() {
        return testDir().resolve("apiserver.crt");
    }

    public Path adminKubeconfig() {
        return adminKubeconfig;
    }

    public Duration eventTtl() {
        return eventTtl;
    }

    /** A client with every right (system:masters), to set the stage and read what the cluster shows. */
    public KubernetesClient admin() {
        try {
            return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(adminKubeconfig))).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The kubectl built from the same source as the server. */
    public Path kubectlBinary() {
        return binaries.resolve("kubectl");
    }

    /** Runs the real kubectl as admin and returns what it printed; fails with its stderr when it fails. */
    public String kubectl(String... args) {
        return Kubectl.run(kubectlBinary(), adminKubeconfig, args);
    }

    /** A scratch directory that lives as long as this server. */
    public Path work() {
        return work;
    }

    @Override
    public synchronized void close() {
        if (!stopped && server != null) {
            stopped = true;
            server.stop();
        }
    }
}
