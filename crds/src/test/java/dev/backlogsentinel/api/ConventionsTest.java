package dev.backlogsentinel.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ConventionsTest {

    @TempDir
    Path serviceAccount;

    @Test
    void namespaceComesFromConfigThenPodThenServiceAccountThenDefault() throws Exception {
        Map<String, String> env = Map.of("POD_NAMESPACE", "from-env");
        assertThat(Conventions.namespace(Optional.of("configured"), env::get, serviceAccount)).isEqualTo("configured");
        assertThat(Conventions.namespace(Optional.of(" "), env::get, serviceAccount)).isEqualTo("from-env");
        Files.writeString(serviceAccount.resolve("namespace"), "from-sa\n");
        assertThat(Conventions.namespace(Optional.empty(), Map.<String, String>of()::get, serviceAccount)).isEqualTo("from-sa");
        Files.delete(serviceAccount.resolve("namespace"));
        assertThat(Conventions.namespace(Optional.empty(), Map.<String, String>of()::get, serviceAccount)).isEqualTo("backlog-sentinel");
        assertThat(Conventions.agentLease("n1")).isEqualTo("backlog-sentinel-agent-n1");
    }
}
