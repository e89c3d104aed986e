package dev.backlogsentinel.agent;

import dev.backlogsentinel.agent.local.LocalCommand;
import io.quarkus.runtime.QuarkusApplication;
import jakarta.inject.Inject;
import picocli.CommandLine;

/** Runs the agent: local mode for now (no cluster configured). */
public class AgentApplication implements QuarkusApplication {

    @Inject
    LocalCommand local;

    @Override
    public int run(String... args) {
        CommandLine cli = new CommandLine(local);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        return cli.execute(args);
    }
}
