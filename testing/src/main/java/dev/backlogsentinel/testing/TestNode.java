package dev.backlogsentinel.testing;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real one-node Kubernetes cluster on this machine, brought up and taken down by {@code bin/test-node}
 * (the script a person uses by hand): a kubelet and containerd that start real pods from images
 * built here, with controller-manager, scheduler and kube-proxy. Root only. The test talks to it as
 * a user would, with the admin kubeconfig the script writes and the kubectl built with the server.
 */
public final class TestNode implements AutoCloseable {

    /** The node's name (bin/test-node's default) and its address inside its network namespace. */
    public static final String NODE = "sentinel-node";
    public static final String NODE_IP = "10.250.0.1";
    private static final Duration UP_TIMEOUT = Duration.ofMinutes(4);

    private final Path script;
    private final Path state;
    private final Duration upTime;
    private boolean down;

    private TestNode(Path script, Path state, Duration upTime) {
        this.script = script;
        this.state = state;
        this.upTime = upTime;
    }

    /** Brings the node up and imports these image tarballs into its containerd. */
    public static TestNode up(List<Path> images) {
        Path script = repositoryRoot().resolve("bin/test-node");
        Path state = Path.of(System.getenv().getOrDefault("TEST_NODE_DIR", "/tmp/backlog-sentinel-node"));
        List<String> command = new ArrayList<>(List.of(script.toString(), "up"));
        images.forEach(i -> command.add(i.toString()));
        long start = System.nanoTime();
        run(command, UP_TIMEOUT);
        return new TestNode(script, state, Duration.ofNanos(System.nanoTime() - start));
    }

    /** The test images' base (bin/base-image.sh: made once, then cached), as a docker-archive tarball. */
    public static Path baseImage() {
        String out = run(List.of(repositoryRoot().resolve("bin/base-image.sh").toString()), Duration.ofMinutes(5));
        return Path.of(out.strip().lines().reduce((first, last) -> last).orElseThrow());
    }

    /** The repository's root directory, found from the working directory upwards. */
    public static Path repositoryRoot() {
        return ChartInstall.chart().getParent().getParent();
    }

    /** How long `bin/test-node up` took, images included. */
    public Duration upTime() {
        return upTime;
    }

    public Path kubeconfig() {
        return state.resolve("admin.kubeconfig");
    }

    /** A client with every right (system:masters): the stage, and what the cluster shows. */
    public KubernetesClient admin() {
        try {
            return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(kubeconfig()))).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The kubectl built with the server, as admin; fails with its stderr when it fails. */
    public String kubectl(String... args) {
        return Kubectl.run(kubectlBinary(), kubeconfig(), args);
    }

    public Path kubectlBinary() {
        return TestApiServer.testDir().resolve("k8s").resolve(TestApiServer.DEFAULT_VERSION + "-linux-amd64").resolve("kubectl");
    }

    /** Imports more image tarballs. */
    public void load(Path... images) {
        List<String> command = new ArrayList<>(List.of(script.toString(), "load"));
        for (Path i : images) {
            command.add(i.toString());
        }
        run(command, Duration.ofMinutes(2));
    }

    /** Copies the components' logs (kubelet, containerd, API server, ...) to a directory, for a failure's reader. */
    public void keepLogs(Path to) {
        Path logs = state.resolve("logs");
        if (!Files.isDirectory(logs)) {
            return;
        }
        try (Stream<Path> files = Files.list(logs)) {
            Files.createDirectories(to);
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            System.err.println("test node: could not keep its logs: " + e);
        }
    }

    /** Stops every component and pod and removes every trace; returns how long that took. */
    public Duration down() {
        if (down) {
            return Duration.ZERO;
        }
        down = true;
        long start = System.nanoTime();
        run(List.of(script.toString(), "down"), Duration.ofMinutes(2));
        return Duration.ofNanos(System.nanoTime() - start);
    }

    @Override
    public void close() {
        down();
    }

    private static String run(List<String> command, Duration timeout) {
        try {
            Path log = Files.createTempFile("test-node", ".log");
            try {
                Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
                if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException(String.join(" ", command) + " did not finish in " + timeout + ":\n"
                            + Files.readString(log, StandardCharsets.UTF_8));
                }
                String output = Files.readString(log, StandardCharsets.UTF_8);
                if (p.exitValue() != 0) {
                    throw new IllegalStateException(String.join(" ", command) + " exited " + p.exitValue() + ":\n" + output);
                }
                return output;
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
