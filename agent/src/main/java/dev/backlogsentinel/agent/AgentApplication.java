package dev.backlogsentinel.agent;

import dev.backlogsentinel.agent.cluster.ClusterAgent;
import dev.backlogsentinel.agent.cluster.ClusterMode;
import dev.backlogsentinel.agent.local.LocalCommand;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import jakarta.inject.Inject;
import picocli.CommandLine;

import java.util.Optional;

/**
 * Runs the agent: cluster mode when a cluster is configured for it (in a pod, or
 * backlog.agent.mode=cluster), else local mode, the command-line table or JSON.
 */
public class AgentApplication implements QuarkusApplication {

    @Inject
    LocalCommand local;

    @Inject
    ClusterMode cluster;

    @Override
    public int run(String... args) {
        if (!cluster.selected()) {
            CommandLine cli = new CommandLine(local);
            cli.setCaseInsensitiveEnumValuesAllowed(true);
            return cli.execute(args);
        }
        Optional<String> node = cluster.nodeName();
        if (node.isEmpty()) {
            System.err.println(ClusterMode.missingNodeNameMessage());
            return 2;
        }
        try (ClusterAgent agent = cluster.start(node.get())) {
            Quarkus.waitForExit();
        }
        return 0;
    }
}
