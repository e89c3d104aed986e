package dev.backlogsentinel.agent.cluster;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.jboss.logging.Logger;

import java.util.Optional;

/**
 * The Node as the owner of what the agent creates for it (its report, its Lease), so that they go
 * when the node does. The agent has no permission on Nodes: the kubelet's own Lease
 * (kube-node-lease/&lt;node&gt;) names its Node with its UID.
 */
final class NodeOwner {

    private static final Logger LOG = Logger.getLogger(NodeOwner.class);

    private NodeOwner() {
    }

    static Optional<OwnerReference> of(KubernetesClient client, String node) {
        try {
            Lease kubelet = client.leases().inNamespace("kube-node-lease").withName(node).get();
            if (kubelet != null && kubelet.getMetadata().getOwnerReferences() != null) {
                return kubelet.getMetadata().getOwnerReferences().stream().filter(o -> "Node".equals(o.getKind()))
                        .findFirst().map(o -> new OwnerReferenceBuilder().withApiVersion("v1").withKind("Node")
                                .withName(o.getName()).withUid(o.getUid()).build());
            }
        } catch (KubernetesClientException e) {
            LOG.debugf("no kubelet Lease for node %s (%s): created without owner", node, e.getMessage());
        }
        return Optional.empty();
    }
}
