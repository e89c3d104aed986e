package dev.backlogsentinel.agent;

import dev.backlogsentinel.agent.config.AgentConfig;
import dev.backlogsentinel.agent.scan.NodeScanner;
import dev.backlogsentinel.agent.scan.NodeScannerFactory;
import dev.backlogsentinel.agent.kernel.ReaderChoice;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/** The agent's configuration without booting Quarkus (Keycloak's habit). */
public record TestConfig(String procRoot, ReaderChoice reader, long maxProcFileBytes) implements AgentConfig {

    public static TestConfig defaults() {
        return new TestConfig("/proc", ReaderChoice.AUTO, 64L << 20);
    }

    @Override
    public Duration scanInterval() {
        return Duration.ofSeconds(2);
    }

    @Override
    public int synRecvNearPercent() {
        return 50;
    }

    @Override
    public Mode mode() {
        return Mode.LOCAL;
    }

    @Override
    public java.util.Optional<String> nodeName() {
        return java.util.Optional.empty();
    }

    @Override
    public java.util.Optional<String> namespace() {
        return java.util.Optional.empty();
    }

    @Override
    public Duration reportMinInterval() {
        return Duration.ofSeconds(5);
    }

    @Override
    public Duration leaseRenewInterval() {
        return Duration.ofSeconds(10);
    }

    @Override
    public boolean metricsAuth() {
        return false;
    }

    public static NodeScanner scanner(ReaderChoice choice) {
        return new NodeScannerFactory(defaults(), Clock.systemUTC()).create(choice, Path.of("/proc"));
    }

    public static NodeScanner scanner(ReaderChoice choice, Path procRoot, long maxBytes) {
        return new NodeScannerFactory(new TestConfig(procRoot.toString(), choice, maxBytes), Clock.systemUTC())
                .create(choice, procRoot);
    }
}
