package dev.backlogsentinel.e2e;

import dev.backlogsentinel.testing.MetricsReader;
import dev.backlogsentinel.testing.TestNode;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A scrape of the agent's metrics on the node's address (hostNetwork), as Prometheus makes it under
 * the chart: with the token of its own ServiceAccount, here bound to the chart's metrics-reader
 * ClusterRole (kube-prometheus's Prometheus holds the same grant already).
 */
final class AgentScrape {

    static final String NAMESPACE = "monitoring";
    static final String SERVICE_ACCOUNT = "prometheus";

    private AgentScrape() {
    }

    /** Prometheus's ServiceAccount, bound to the release's metrics-reader ClusterRole; a token of it. */
    static String prometheusToken(KubernetesClient admin, String release) {
        return MetricsReader.token(admin, NAMESPACE, SERVICE_ACCOUNT, release);
    }

    /** The scrape's response, whatever its status; no token when null. */
    static HttpResponse<String> get(String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + TestNode.NODE_IP + ":9464/q/metrics"))
                .timeout(Duration.ofSeconds(30));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    /** What the agent served to this token; a refusal fails with what it said. */
    static String body(String token) throws Exception {
        HttpResponse<String> response = get(token);
        if (response.statusCode() != 200) {
            throw new AssertionError("the agent refused the scrape (" + response.statusCode() + "): " + response.body());
        }
        return response.body();
    }
}
