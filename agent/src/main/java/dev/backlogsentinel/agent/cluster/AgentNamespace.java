package dev.backlogsentinel.agent.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The namespace of the agent's Lease: backlog.agent.namespace, else POD_NAMESPACE, else the service
 * account's, else backlog-sentinel. The operator resolves its own the same way, so both meet in
 * the same namespace in and outside a cluster.
 */
public final class AgentNamespace {

    public static final String DEFAULT = "backlog-sentinel";
    public static final Path SERVICE_ACCOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");

    private AgentNamespace() {
    }

    public static String resolve(Optional<String> configured, UnaryOperator<String> env, Path serviceAccountDir) {
        if (configured.isPresent() && !configured.get().isBlank()) {
            return configured.get().strip();
        }
        String fromEnv = env.apply("POD_NAMESPACE");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.strip();
        }
        try {
            String fromFile = Files.readString(serviceAccountDir.resolve("namespace")).strip();
            if (!fromFile.isEmpty()) {
                return fromFile;
            }
        } catch (IOException e) {
            // Not in a pod.
        }
        return DEFAULT;
    }

    /** True inside a pod: the in-cluster configuration the Kubernetes client would use exists. */
    public static boolean inCluster(UnaryOperator<String> env, Path serviceAccountDir) {
        return env.apply("KUBERNETES_SERVICE_HOST") != null && Files.exists(serviceAccountDir.resolve("token"));
    }
}
