package dev.backlogsentinel.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Points the Quarkus app under test at the real API server, as one of the chart's ServiceAccounts
 * (init arg "identity": operator, the default, or agent): every request it makes is judged by the
 * chart's RBAC. Tests set the stage with the admin client ({@code TestApiServer.shared().admin()}),
 * never with the app's.
 */
public class RealApiServer implements QuarkusTestResourceLifecycleManager {

    private String identity = "operator";

    @Override
    public void init(Map<String, String> initArgs) {
        identity = initArgs.getOrDefault("identity", identity);
    }

    @Override
    public Map<String, String> start() {
        TestApiServer server = TestApiServer.shared();
        ChartInstall.Installed chart = ChartInstall.on(server);
        Identity who = switch (identity) {
            case "agent" -> chart.agent();
            case "operator" -> chart.operator();
            default -> throw new IllegalArgumentException("identity must be agent or operator, not " + identity);
        };
        // quarkus.kubernetes-client.* is fixed at build time; at run time the client configures
        // itself as fabric8 does, from the kubeconfig this system property names.
        System.setProperty("kubeconfig", who.kubeconfig().toString());
        return Map.of("backlog.operator.namespace", ChartInstall.NAMESPACE,
                "backlog.operator.agent-namespace", ChartInstall.AGENT_NAMESPACE,
                "backlog.agent.namespace", ChartInstall.AGENT_NAMESPACE);
    }

    @Override
    public void stop() {
        // The shared server stops with the JVM.
    }
}
