package dev.backlogsentinel.agent;

import dev.backlogsentinel.agent.local.LocalCommand;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

import java.util.List;

/** Entry point of the agent jar. */
@QuarkusMain
public class AgentMain {

    public static void main(String... args) {
        if (LocalCommand.isOneShot(List.of(args))) {
            // One scan needs no metrics endpoint, and a busy port must not stop a one-shot command.
            System.setProperty("quarkus.http.host-enabled", "false");
        }
        Quarkus.run(AgentApplication.class, args);
    }
}
