package dev.backlogsentinel.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The API server's own record of who asked what: an audit policy that logs the requests of the
 * users being measured (and nobody else), and a reader that counts them by verb and resource
 * between two points of the log. The count is the server's, not the client's idea of it.
 */
public final class AuditLog {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path policy;
    private final Path log;

    private AuditLog(Path policy, Path log) {
        this.policy = policy;
        this.log = log;
    }

    /** An audit log of these users' requests, in a new directory. */
    public static AuditLog of(List<String> users) {
        try {
            Path dir = Files.createTempDirectory("audit");
            Path policy = dir.resolve("policy.yaml");
            StringBuilder yaml = new StringBuilder("""
                    apiVersion: audit.k8s.io/v1
                    kind: Policy
                    omitStages: ["RequestReceived"]
                    rules:
                    - level: Metadata
                      users:
                    """);
            users.forEach(u -> yaml.append("  - \"").append(u).append("\"\n"));
            yaml.append("- level: None\n");
            Files.writeString(policy, yaml);
            return new AuditLog(policy, dir.resolve("audit.log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** kube-apiserver flags that turn it on. */
    public List<String> flags() {
        return List.of("--audit-policy-file", policy.toString(), "--audit-log-path", log.toString(),
                "--audit-log-format", "json", "--audit-log-maxsize", "0");
    }

    /** Where the log ends now: the start of a measurement. */
    public long mark() {
        try {
            return Files.exists(log) ? Files.size(log) : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Requests by user, then by "verb resource[/subresource]", logged since a mark. A watch is counted
     * once, when it starts; every other request when it completes.
     */
    public Map<String, Map<String, Integer>> since(long mark) {
        Map<String, Map<String, Integer>> byUser = new TreeMap<>();
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            file.seek(mark);
            String line;
            while ((line = file.readLine()) != null) {
                JsonNode e = JSON.readTree(new String(line.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
                String verb = e.path("verb").asText();
                String stage = e.path("stage").asText();
                boolean counted = verb.equals("watch") ? stage.equals("ResponseStarted") : stage.equals("ResponseComplete");
                if (!counted) {
                    continue;
                }
                JsonNode ref = e.path("objectRef");
                String resource = ref.path("resource").asText(e.path("requestURI").asText());
                if (ref.hasNonNull("subresource")) {
                    resource += "/" + ref.path("subresource").asText();
                }
                byUser.computeIfAbsent(e.path("user").path("username").asText(), u -> new TreeMap<>())
                        .merge(verb + " " + resource, 1, Integer::sum);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return byUser;
    }
}
