package dev.backlogsentinel.agent.cluster;

import dev.backlogsentinel.api.Labels;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Who may scrape the agent's metrics, asked of the API server as kube-rbac-proxy asks it for
 * node-exporter under kube-prometheus: the bearer token's user (TokenReview), then whether that user
 * may `get` the non-resource URL /metrics (SubjectAccessReview), the grant Prometheus already holds
 * there. The agent listens on every node's address (hostNetwork) and its series name pods, processes
 * and pids.
 *
 * <p>Answers are kept per token (by its hash), an allowed one for {@link #ALLOWED_FOR}, a refusal for
 * {@link #REFUSED_FOR}: one scrape every 30 s costs two API requests per node every two minutes. While
 * the API server cannot be asked, a token allowed before stays allowed: an outage of the API server
 * must not look like the agents going down.
 */
public final class ScrapeAccess {

    /** The URL whose `get` a scraper needs, as kube-rbac-proxy and the kubelet check it. */
    public static final String METRICS_URL = "/metrics";
    static final Duration ALLOWED_FOR = Duration.ofMinutes(2);
    static final Duration REFUSED_FOR = Duration.ofSeconds(10);
    private static final int REMEMBERED = 1000;
    /*
     * Generic resources, not fabric8's model classes: those come in a model jar whose hundreds of kinds
     * fabric8 would load at start-up (the agent leaves it out for its footprint).
     */
    private static final ResourceDefinitionContext TOKEN_REVIEWS = new ResourceDefinitionContext.Builder()
            .withGroup("authentication.k8s.io").withVersion("v1").withKind("TokenReview").withPlural("tokenreviews").withNamespaced(false).build();
    private static final ResourceDefinitionContext ACCESS_REVIEWS = new ResourceDefinitionContext.Builder()
            .withGroup("authorization.k8s.io").withVersion("v1").withKind("SubjectAccessReview").withPlural("subjectaccessreviews")
            .withNamespaced(false).build();

    /** What a scrape gets: served (200), not authenticated (401), not authorized (403), or not judged now (503). */
    public record Answer(int status, String message) {

        public boolean allowed() {
            return status == 200;
        }
    }

    private record Kept(Answer answer, Instant until) {
    }

    private final KubernetesClient client;
    private final Clock clock;
    private final Map<String, Kept> kept = Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Kept> eldest) {
            return size() > REMEMBERED;
        }
    });

    public ScrapeAccess(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    /** @param authorization the request's Authorization header, or null */
    public Answer check(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7) || authorization.length() <= 7) {
            return new Answer(401, "the agent's metrics need a bearer token (a ServiceAccount's) allowed to get " + METRICS_URL);
        }
        String token = authorization.substring(7).strip();
        String key = Labels.sha256(token);
        Instant now = clock.instant();
        Kept before = kept.get(key);
        if (before != null && now.isBefore(before.until())) {
            return before.answer();
        }
        Answer answer;
        try {
            answer = ask(token);
        } catch (RuntimeException e) {
            if (before != null && before.answer().allowed()) {
                return before.answer();
            }
            return new Answer(503, "cannot ask the API server who this scraper is: " + e.getMessage());
        }
        kept.put(key, new Kept(answer, now.plus(answer.allowed() ? ALLOWED_FOR : REFUSED_FOR)));
        return answer;
    }

    private Answer ask(String token) {
        Map<String, Object> review = status(create(TOKEN_REVIEWS, Map.of("token", token)));
        if (!Boolean.TRUE.equals(review.get("authenticated"))) {
            Object error = review.get("error");
            return new Answer(401, "the API server does not know this token" + (error == null ? "" : ": " + error));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> user = review.get("user") instanceof Map<?, ?> u ? (Map<String, Object>) u : Map.of();
        Map<String, Object> spec = new LinkedHashMap<>();
        for (String field : new String[] {"username", "uid", "groups", "extra"}) {
            if (user.get(field) != null) {
                spec.put(field.equals("username") ? "user" : field, user.get(field));
            }
        }
        spec.put("nonResourceAttributes", Map.of("path", METRICS_URL, "verb", "get"));
        Map<String, Object> access = status(create(ACCESS_REVIEWS, spec));
        if (!Boolean.TRUE.equals(access.get("allowed"))) {
            return new Answer(403, user.get("username") + " may not get " + METRICS_URL
                    + " (grant it with a ClusterRole of nonResourceURLs [\"" + METRICS_URL + "\"], verbs [\"get\"])");
        }
        return new Answer(200, null);
    }

    private GenericKubernetesResource create(ResourceDefinitionContext kind, Map<String, Object> spec) {
        GenericKubernetesResource review = new GenericKubernetesResourceBuilder().withApiVersion(kind.getGroup() + "/" + kind.getVersion())
                .withKind(kind.getKind()).withNewMetadata().endMetadata().addToAdditionalProperties("spec", spec).build();
        return client.genericKubernetesResources(kind).resource(review).create();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> status(GenericKubernetesResource review) {
        return review != null && review.getAdditionalProperties().get("status") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }
}
