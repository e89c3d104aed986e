package dev.backlogsentinel.testing;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * A ServiceAccount's identity on the test server: a real bound token from the TokenRequest API, so
 * every request is judged by the RBAC the chart grants that ServiceAccount.
 *
 * @param kubeconfig a kubeconfig file naming the server and this token, for a packaged app (KUBECONFIG)
 */
public record Identity(String namespace, String serviceAccount, String server, Path caCertificate, String token, Path kubeconfig) {

    /** system:serviceaccount:&lt;namespace&gt;:&lt;name&gt;, as RBAC and `kubectl auth can-i --as` know it. */
    public String user() {
        return "system:serviceaccount:" + namespace + ":" + serviceAccount;
    }

    /** A client acting as this ServiceAccount. */
    public KubernetesClient client() {
        return clientFor(server);
    }

    /** A client acting as this ServiceAccount, through another address (e.g. an {@link ApiServerProxy}). */
    public KubernetesClient clientFor(String url) {
        return clientFor(url, config -> { });
    }

    /** The same, with client settings changed (e.g. short timeouts and no retries for an outage test). */
    public KubernetesClient clientFor(String url, Consumer<Config> tweak) {
        try {
            Config config = Config.fromKubeconfig(kubeconfigYaml(url));
            tweak.accept(config);
            return new KubernetesClientBuilder().withConfig(config).build();
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot build a client for " + user(), e);
        }
    }

    /** A kubeconfig for this identity at another address, written next to the first one. */
    public Path kubeconfigFor(String url, String suffix) {
        Path file = kubeconfig.resolveSibling(serviceAccount + "-" + suffix + ".kubeconfig");
        try {
            Files.writeString(file, kubeconfigYaml(url));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    String kubeconfigYaml(String url) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: test
                  cluster:
                    server: %s
                    certificate-authority: %s
                users:
                - name: %s
                  user:
                    token: %s
                contexts:
                - name: test
                  context: {cluster: test, user: %s, namespace: %s}
                current-context: test
                """.formatted(url, caCertificate, serviceAccount, token, serviceAccount, namespace);
    }
}
