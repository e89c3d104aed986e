package dev.backlogsentinel.agent.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** Whether the agent runs inside a pod, where the in-cluster configuration exists. */
public final class AgentNamespace {

    private AgentNamespace() {
    }

    /** True inside a pod: the in-cluster configuration the Kubernetes client would use exists. */
    public static boolean inCluster(UnaryOperator<String> env, Path serviceAccountDir) {
        return env.apply("KUBERNETES_SERVICE_HOST") != null && Files.exists(serviceAccountDir.resolve("token"));
    }
}
