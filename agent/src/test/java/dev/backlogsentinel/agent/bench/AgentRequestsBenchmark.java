package dev.backlogsentinel.agent.bench;

import dev.backlogsentinel.testing.AuditLog;
import dev.backlogsentinel.testing.BenchmarkSizes;
import dev.backlogsentinel.testing.ChartInstall;
import dev.backlogsentinel.testing.Identity;
import dev.backlogsentinel.testing.NetnsApp;
import dev.backlogsentinel.testing.PodCgroup;
import dev.backlogsentinel.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * What one node's agent costs the API server, counted by the server's audit log: the packaged agent
 * in cluster mode (NODE_NAME, its chart ServiceAccount) on a real kube-apiserver, on this machine's
 * real kernel, first with nothing happening, then with a pod's listen queue full while its clients
 * retransmit (its overflow counter moving every second), then with the queue filling and draining
 * every half second. Not a test: it prints requests per minute by verb and resource, side by side
 * with an earlier agent's when one is given.
 *
 * <pre>
 * ./mvnw -Pbench -pl agent -am verify -Dit.test=AgentRequestsBenchmark [-Dagent.before=/path/to/old/quarkus-run.jar]
 *        [-Dagent.phaseSeconds=120] [-Dagent.settleSeconds=20] [-Dbench.quick]
 * </pre>
 */
class AgentRequestsBenchmark {

    static final String NODE = "bench-node";
    static final Duration PHASE = BenchmarkSizes.seconds("agent.phaseSeconds", 120, 4);
    /** Start-up (informers' lists, the report's creation) is not steady state. */
    static final Duration SETTLE = BenchmarkSizes.seconds("agent.settleSeconds", 20, 3);

    @Test
    void requestsOfOneAgent() throws Exception {
        String before = System.getProperty("agent.before", "");
        Map<String, Map<String, Map<String, Integer>>> byVariant = new LinkedHashMap<>();
        if (!before.isBlank()) {
            byVariant.put("before", run(Path.of(before), true));
        }
        byVariant.put("after", run(Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath(), false));
        print(byVariant);
    }

    /** Per phase, requests by "verb resource" of the agent's user. */
    Map<String, Map<String, Integer>> run(Path jar, boolean before) throws Exception {
        String user = before ? "system:serviceaccount:" + ChartInstall.NAMESPACE + ":agent-before"
                : "system:serviceaccount:" + ChartInstall.AGENT_NAMESPACE + ":" + ChartInstall.AGENT_SERVICE_ACCOUNT;
        AuditLog audit = AuditLog.of(List.of(user));
        Map<String, Map<String, Integer>> phases = new LinkedHashMap<>();
        try (TestApiServer server = TestApiServer.start(Duration.ofHours(1), audit.flags()); KubernetesClient admin = server.admin()) {
            ChartInstall.Installed chart = ChartInstall.on(server);
            Identity agent = chart.agent();
            if (before) {
                // An earlier agent reads before it writes, which this chart no longer grants.
                agent = ChartInstall.identity(server, admin, "agent-before");
                admin.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata().withName("agent-before")
                        .endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
                        .withName("cluster-admin").endRoleRef().addNewSubject().withKind("ServiceAccount")
                        .withNamespace(ChartInstall.NAMESPACE).withName("agent-before").endSubject().build()).create();
            }
            admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build()).create();
            String uid = admin.pods().inNamespace("shop").resource(new PodBuilder().withNewMetadata().withName("web-0")
                    .withLabels(Map.of("app", "web")).endMetadata().withNewSpec().withNodeName(NODE).addNewContainer().withName("app")
                    .withImage("registry.example/app:1").endContainer().endSpec().build()).create().getMetadata().getUid();
            admin.resource(io.fabric8.kubernetes.client.utils.Serialization.unmarshal("""
                    apiVersion: backlogsentinel.dev/v1alpha1
                    kind: BacklogPolicy
                    metadata: {name: web, namespace: shop}
                    spec: {podSelector: {matchLabels: {app: web}}, sustainFor: 0s}
                    """, io.fabric8.kubernetes.api.model.GenericKubernetesResource.class)).create();
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Path log = Files.createTempFile("bench-agent", ".log");
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-Dquarkus.http.port=" + port, "-jar", jar.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("KUBECONFIG", agent.kubeconfig().toString());
            pb.environment().put("NODE_NAME", NODE);
            pb.environment().put("POD_NAMESPACE", ChartInstall.AGENT_NAMESPACE);
            Process process = pb.start();
            try (NetnsApp app = NetnsApp.startEmpty(8080, 16, 30); PodCgroup cgroup = PodCgroup.forPod(uid)) {
                cgroup.add(app.pid());
                Thread.sleep(SETTLE.toMillis());
                phases.put("quiet", window(audit, user));

                app.fill();
                phases.put("full, overflows moving", window(audit, user));

                long mark = audit.mark();
                long end = System.nanoTime() + PHASE.toNanos();
                boolean full = true;
                while (System.nanoTime() < end) {
                    Thread.sleep(500);
                    if (full) {
                        app.drain();
                    } else {
                        app.fill();
                    }
                    full = !full;
                }
                phases.put("flapping every 0.5 s", audit.since(mark).getOrDefault(user, Map.of()));
            } finally {
                process.destroy();
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
        return phases;
    }

    static Map<String, Integer> window(AuditLog audit, String user) throws InterruptedException {
        long mark = audit.mark();
        Thread.sleep(PHASE.toMillis());
        return audit.since(mark).getOrDefault(user, Map.of());
    }

    static void print(Map<String, Map<String, Map<String, Integer>>> byVariant) {
        double minutes = PHASE.toSeconds() / 60.0;
        StringBuilder out = new StringBuilder(String.format(
                "%n=== One agent's requests per minute (real kube-apiserver, audit log; %.0f s per phase) ===%n", PHASE.toSeconds() * 1.0));
        out.append(BenchmarkSizes.banner());
        out.append(String.format("%-30s %-36s %10s %10s%n", "phase", "request", "before", "after"));
        Map<String, Map<String, Integer>> after = byVariant.get("after");
        Map<String, Map<String, Integer>> before = byVariant.getOrDefault("before", Map.of());
        for (String phase : after.keySet()) {
            TreeSet<String> keys = new TreeSet<>(after.get(phase).keySet());
            keys.addAll(before.getOrDefault(phase, Map.of()).keySet());
            List<String> rows = new ArrayList<>(keys);
            int totalBefore = 0;
            int totalAfter = 0;
            for (String k : rows) {
                int b = before.getOrDefault(phase, Map.of()).getOrDefault(k, 0);
                int a = after.get(phase).getOrDefault(k, 0);
                totalBefore += b;
                totalAfter += a;
                out.append(String.format("%-30s %-36s %10s %10.1f%n", phase, k, before.isEmpty() ? "-" : String.format("%.1f", b / minutes),
                        a / minutes));
            }
            out.append(String.format("%-30s %-36s %10s %10.1f%n", phase, "total", before.isEmpty() ? "-"
                    : String.format("%.1f", totalBefore / minutes), totalAfter / minutes));
        }
        System.out.println(out);
    }
}
