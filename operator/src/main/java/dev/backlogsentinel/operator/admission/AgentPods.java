package dev.backlogsentinel.operator.admission;

import dev.backlogsentinel.operator.config.OperatorNamespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The node of an agent pod, by the name and uid its pod-bound token carries. A pod's node never
 * changes once bound, and a uid is never reused, so each answer is kept: one GET per agent pod for
 * its lifetime, not one per write. Only pods of the agents' namespace are looked up.
 */
@ApplicationScoped
public class AgentPods implements PodNodes {

    /** Enough for one agent pod per node of the largest clusters, and a rollout of all of them. */
    static final int REMEMBERED = 20_000;

    private final KubernetesClient client;
    private final String namespace;
    private final Map<String, String> nodeByUid = Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > REMEMBERED;
        }
    });

    @Inject
    public AgentPods(KubernetesClient client, OperatorNamespace namespace) {
        this(client, namespace.agents());
    }

    public AgentPods(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    @Override
    public Optional<String> nodeOf(String pod, String uid) {
        String known = nodeByUid.get(uid);
        if (known != null) {
            return Optional.of(known);
        }
        Pod found = client.pods().inNamespace(namespace).withName(pod).get();
        if (found == null || !uid.equals(found.getMetadata().getUid()) || found.getSpec().getNodeName() == null
                || found.getSpec().getNodeName().isBlank()) {
            return Optional.empty();
        }
        nodeByUid.put(uid, found.getSpec().getNodeName());
        return Optional.of(found.getSpec().getNodeName());
    }
}
