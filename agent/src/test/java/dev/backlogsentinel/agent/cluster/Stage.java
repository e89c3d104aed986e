package dev.backlogsentinel.agent.cluster;

import dev.backlogsentinel.testing.ChartInstall;
import dev.backlogsentinel.testing.Cluster;
import dev.backlogsentinel.testing.TestApiServer;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The cluster around an agent under test: the shared real API server with the chart installed, and
 * the stage set on it ({@link Cluster}: pods, policies and the kubelet's node Lease put there as
 * admin, what the agent wrote read back). The agent itself runs as the chart's agent
 * ServiceAccount ({@link #chart()}).
 */
final class Stage extends Cluster implements AutoCloseable {

    final TestApiServer server;
    final ChartInstall.Installed chart;
    final KubernetesClient admin;

    Stage() {
        this(TestApiServer.shared());
    }

    private Stage(TestApiServer server) {
        super(server.admin());
        this.server = server;
        this.chart = ChartInstall.on(server);
        this.admin = client();
    }

    ChartInstall.Installed chart() {
        return chart;
    }

    /** A client acting as the chart's agent ServiceAccount. */
    KubernetesClient agent() {
        return chart.agent().client();
    }

    @Override
    public void close() {
        admin.close();
    }
}
