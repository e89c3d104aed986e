package dev.backlogsentinel.agent.cluster;

import dev.backlogsentinel.agent.attribution.PodInfo;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The pods of this node, from an informer listing and watching with the field selector
 * spec.nodeName=&lt;node&gt; (so the agent's cost and permissions stay those of one node). It starts
 * without waiting for the API server and fills in when it answers; pods are filtered by node again
 * here, so a server that ignores the selector cannot leak other nodes' pods in. An API server that
 * is down at start is retried, never given up on.
 */
public final class PodIndex implements AutoCloseable {

    private final String node;
    private final SharedIndexInformer<Pod> informer;

    /**
     * @param serverSideSelector send the field selector (always, in a cluster); off only against a
     *                           test server that answers a spec.nodeName selector with nothing
     */
    public PodIndex(KubernetesClient client, String node, boolean serverSideSelector) {
        this.node = node;
        var pods = client.pods().inAnyNamespace();
        this.informer = (serverSideSelector ? pods.withField("spec.nodeName", node) : pods).runnableInformer(0);
        informer.exceptionHandler(RetryForever.HANDLER);
        informer.start();
    }

    /** The first list of this node's pods has come back. */
    public boolean synced() {
        return informer.hasSynced();
    }

    public List<PodInfo> all() {
        return informer.getStore().list().stream().filter(this::onThisNode).map(PodIndex::info).toList();
    }

    private boolean onThisNode(Pod p) {
        return p.getSpec() != null && node.equals(p.getSpec().getNodeName());
    }

    static PodInfo info(Pod p) {
        Map<String, String> labels = p.getMetadata().getLabels() == null ? Map.of() : Map.copyOf(p.getMetadata().getLabels());
        return new PodInfo(p.getMetadata().getNamespace(), p.getMetadata().getName(), p.getMetadata().getUid(), labels,
                Objects.equals(Boolean.TRUE, p.getSpec().getHostNetwork()), containers(p));
    }

    /** Container names by id, from the statuses the kubelet writes ("containerd://&lt;id&gt;"). */
    static Map<String, String> containers(Pod p) {
        if (p.getStatus() == null) {
            return Map.of();
        }
        Map<String, String> byId = new HashMap<>();
        for (List<ContainerStatus> statuses : Arrays.asList(p.getStatus().getContainerStatuses(),
                p.getStatus().getInitContainerStatuses(), p.getStatus().getEphemeralContainerStatuses())) {
            if (statuses == null) {
                continue;
            }
            for (ContainerStatus c : statuses) {
                String id = c.getContainerID();
                if (id != null && c.getName() != null) {
                    int scheme = id.indexOf("://");
                    byId.put(scheme >= 0 ? id.substring(scheme + 3) : id, c.getName());
                }
            }
        }
        return Map.copyOf(byId);
    }

    @Override
    public void close() {
        informer.close();
    }
}
