package dev.backlogsentinel.agent.cluster;

import dev.backlogsentinel.api.Vocabulary;
import dev.backlogsentinel.agent.config.AgentConfig;
import dev.backlogsentinel.agent.metrics.ScanMetrics;
import dev.backlogsentinel.agent.scan.NodeScannerFactory;
import dev.backlogsentinel.api.Conventions;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import java.nio.file.Files;
import java.time.Clock;
import java.util.Optional;

/**
 * Decides between local and cluster mode and starts the cluster agent. The Kubernetes client is
 * looked up only here and only in cluster mode: local mode never creates it.
 */
@ApplicationScoped
public class ClusterMode {

    private final AgentConfig config;
    private final NodeScannerFactory scanners;
    private final ScanMetrics metrics;
    private final Clock clock;
    private final Instance<KubernetesClient> client;

    @Inject
    public ClusterMode(AgentConfig config, NodeScannerFactory scanners, ScanMetrics metrics, Clock clock,
            Instance<KubernetesClient> client) {
        this.config = config;
        this.scanners = scanners;
        this.metrics = metrics;
        this.clock = clock;
        this.client = client;
    }

    /**
     * auto: cluster mode inside a pod, or when both KUBECONFIG and NODE_NAME are set; local mode
     * otherwise. A developer's kubeconfig alone (set for kubectl) must not turn the command-line
     * tool into a node agent.
     */
    public boolean selected() {
        return switch (config.mode()) {
            case CLUSTER -> true;
            case LOCAL -> false;
            case AUTO -> inCluster()
                    || (System.getenv("KUBECONFIG") != null && nodeName().isPresent());
        };
    }

    /** Inside a pod: the in-cluster configuration the Kubernetes client would use exists. */
    private static boolean inCluster() {
        return System.getenv("KUBERNETES_SERVICE_HOST") != null && Files.exists(Conventions.SERVICE_ACCOUNT.resolve("token"));
    }

    /** The node name, or empty with the reason already explained to the user. */
    public Optional<String> nodeName() {
        return config.nodeName().map(String::strip).filter(n -> !n.isEmpty());
    }

    public static String missingNodeNameMessage() {
        return "error: cluster mode needs NODE_NAME, the name of the node this agent watches. In the DaemonSet set it "
                + "from the downward API (env NODE_NAME, valueFrom.fieldRef.fieldPath: spec.nodeName); outside a cluster "
                + "export NODE_NAME=<node>, or run with backlog.agent.mode=local.";
    }

    public ClusterAgent start(String node) {
        String namespace = Conventions.namespace(config.namespace(), System::getenv, Conventions.SERVICE_ACCOUNT);
        ClusterAgent.Settings settings = new ClusterAgent.Settings(node, namespace, Conventions.instanceName(Vocabulary.AGENT), version(), config.scanInterval(),
                config.reportMinInterval(), config.leaseRenewInterval(), true);
        return new ClusterAgent(client.get(), scanners.create(), metrics, clock, settings).start();
    }

    private static String version() {
        String v = ClusterMode.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
