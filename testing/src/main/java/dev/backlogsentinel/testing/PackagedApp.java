package dev.backlogsentinel.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A packaged Quarkus app (its target/quarkus-app/quarkus-run.jar) run as a user runs it: `java -jar`
 * in a process of its own, against the API server its KUBECONFIG names, on an HTTP port of its own,
 * its output in a log file; stopped as Kubernetes stops a container, by SIGTERM.
 */
public final class PackagedApp implements AutoCloseable {

    /** How long a SIGTERM may take before the app is killed (and a test should fail). */
    public static final Duration STOP_WITHIN = Duration.ofSeconds(20);

    private final String name;
    private final Process process;
    private final Path log;
    private final int port;

    private PackagedApp(String name, Process process, Path log, int port) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /** An app to start; {@code name} names its log file and, should it hang on SIGTERM, its thread dump. */
    public static Builder of(String name, Path jar) {
        return new Builder(name, jar);
    }

    /** What to start the app with. */
    public static final class Builder {
        private final String name;
        private final Path jar;
        private final Map<String, String> env = new LinkedHashMap<>();
        private final List<String> jvmArgs = new ArrayList<>();
        private Integer port;

        private Builder(String name, Path jar) {
            this.name = name;
            this.jar = jar.toAbsolutePath().normalize();
        }

        /** The kubeconfig the app finds its API server and identity in (KUBECONFIG). */
        public Builder kubeconfig(Path kubeconfig) {
            return env("KUBECONFIG", kubeconfig.toString());
        }

        public Builder env(String variable, String value) {
            env.put(variable, value);
            return this;
        }

        public Builder env(Map<String, String> variables) {
            env.putAll(variables);
            return this;
        }

        /** Options for the JVM, before -jar. */
        public Builder jvmArgs(String... args) {
            jvmArgs.addAll(List.of(args));
            return this;
        }

        /** Its HTTP port (quarkus.http.port); a free one unless set. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Starts it, without waiting for it to be ready. */
        public PackagedApp start() throws IOException {
            int httpPort = port != null ? port : freePort();
            Path log = Files.createTempFile(name, ".log");
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmArgs);
            command.add("-Dquarkus.http.port=" + httpPort);
            command.add("-jar");
            command.add(jar.toString());
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            // Outside a pod: the namespace is the app's default unless a test says otherwise.
            pb.environment().remove("POD_NAMESPACE");
            pb.environment().putAll(env);
            return new PackagedApp(name, pb.start(), log, httpPort);
        }
    }

    /** A TCP port free now. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code, once it has exited. */
    public int exitValue() {
        return process.exitValue();
    }

    public long pid() {
        return process.pid();
    }

    public int port() {
        return port;
    }

    public Path log() {
        return log;
    }

    /** What it printed so far. */
    public String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Its Prometheus scrape, /q/metrics. */
    public String metrics() throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics"))
                .timeout(Duration.ofSeconds(10)).build();
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    /** A GET of one of its paths, with a bearer token unless null: the response, whatever its status. */
    public HttpResponse<String> get(String path, String bearer) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    /**
     * SIGTERM, then up to {@link #STOP_WITHIN} for it to exit. One that does not is killed, after its
     * thread dump is written to target/&lt;name&gt;-jstack.txt for whoever reads the failure.
     *
     * @return whether it had exited or stopped within {@link #STOP_WITHIN}
     */
    public boolean stop() throws InterruptedException {
        if (!process.isAlive()) {
            return true;
        }
        process.destroy();
        if (process.waitFor(STOP_WITHIN.toMillis(), TimeUnit.MILLISECONDS)) {
            return true;
        }
        try {
            Path dump = Path.of("target", name + "-jstack.txt");
            Files.createDirectories(dump.getParent());
            new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jstack").toString(), Long.toString(process.pid()))
                    .redirectErrorStream(true).redirectOutput(dump.toFile()).start().waitFor(20, TimeUnit.SECONDS);
        } catch (IOException e) {
            // The dump is a courtesy; the kill is not.
        }
        process.destroyForcibly();
        process.waitFor(STOP_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
        return false;
    }

    /** {@link #stop()}, without saying whether it was in time. */
    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
