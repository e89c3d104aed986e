package dev.backlogsentinel.operator.config;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The namespace the operator works in (agent Leases, leader election): backlog.operator.namespace,
 * else POD_NAMESPACE, else the service account's namespace, else backlog-sentinel. The same rule as
 * the agent's, so both find each other in or outside a cluster.
 */
@ApplicationScoped
public class OperatorNamespace {

    public static final String DEFAULT = "backlog-sentinel";
    static final Path SERVICE_ACCOUNT_NAMESPACE = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

    private final String namespace;

    @Inject
    public OperatorNamespace(OperatorConfig config) {
        this(resolve(config.namespace(), System::getenv, SERVICE_ACCOUNT_NAMESPACE));
    }

    public OperatorNamespace(String namespace) {
        this.namespace = namespace;
    }

    public String get() {
        return namespace;
    }

    static String resolve(Optional<String> configured, UnaryOperator<String> env, Path serviceAccountFile) {
        if (configured.isPresent() && !configured.get().isBlank()) {
            return configured.get().strip();
        }
        String fromEnv = env.apply("POD_NAMESPACE");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.strip();
        }
        try {
            String fromFile = Files.readString(serviceAccountFile).strip();
            if (!fromFile.isEmpty()) {
                return fromFile;
            }
        } catch (IOException e) {
            // Not in a pod: the default below.
        }
        return DEFAULT;
    }
}
