package dev.backlogsentinel.api;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Where agent and operator meet: the namespace of the agents' Leases and the operator's leader
 * election, and the Lease names. One rule for both, so they find each other in and outside a cluster.
 */
public final class Conventions {

    public static final String DEFAULT_NAMESPACE = "backlog-sentinel";
    public static final Path SERVICE_ACCOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");

    private Conventions() {
    }

    /** The configured namespace, else POD_NAMESPACE, else the service account's, else backlog-sentinel. */
    public static String namespace(Optional<String> configured, UnaryOperator<String> env, Path serviceAccountDir) {
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
        return DEFAULT_NAMESPACE;
    }

    /** The agent's heartbeat Lease of a node. */
    public static String agentLease(String node) {
        return Vocabulary.AGENT_LEASE_PREFIX + node;
    }

    /** This process as a Lease holder or event reporter: the pod's name, else the host's. */
    public static String instanceName(String fallback) {
        String pod = System.getenv("POD_NAME");
        if (pod != null && !pod.isBlank()) {
            return pod;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return fallback;
        }
    }
}
