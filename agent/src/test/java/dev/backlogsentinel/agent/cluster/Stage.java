package dev.backlogsentinel.agent.cluster;

import dev.backlogsentinel.api.policy.BacklogPolicy;
import dev.backlogsentinel.api.policy.BacklogPolicySpec;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.testing.ChartInstall;
import dev.backlogsentinel.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.Map;
import java.util.function.Consumer;

/**
 * The cluster around an agent under test, on the real API server: pods, policies and the kubelet's
 * node Lease put there as admin (a stage, not the agent), and what the agent wrote read back. The
 * agent itself runs as the chart's agent ServiceAccount ({@link #chart()}).
 */
final class Stage implements AutoCloseable {

    final TestApiServer server = TestApiServer.shared();
    final ChartInstall.Installed chart = ChartInstall.on(server);
    final KubernetesClient admin = server.admin();

    ChartInstall.Installed chart() {
        return chart;
    }

    /** A client acting as the chart's agent ServiceAccount. */
    KubernetesClient agent() {
        return chart.agent().client();
    }

    void namespace(String name) {
        if (admin.namespaces().withName(name).get() == null) {
            admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
        }
    }

    /** A Pod bound to a node, as the scheduler would leave it; its UID is the server's. */
    String pod(String namespace, String name, String node, Map<String, String> labels) {
        namespace(namespace);
        return admin.pods().inNamespace(namespace).resource(new PodBuilder().withNewMetadata().withNamespace(namespace)
                .withName(name).withLabels(labels).endMetadata().withNewSpec().withNodeName(node).addNewContainer().withName("app")
                .withImage("registry.example/app:1").endContainer().endSpec().build()).create().getMetadata().getUid();
    }

    BacklogPolicy policy(String namespace, String name, Consumer<BacklogPolicySpec> tweak) {
        namespace(namespace);
        BacklogPolicy policy = new BacklogPolicy();
        policy.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
        BacklogPolicySpec spec = new BacklogPolicySpec();
        tweak.accept(spec);
        policy.setSpec(spec);
        return admin.resource(policy).create();
    }

    /** The kubelet's node Lease, which names its Node with its UID. */
    void kubeletLease(String node, String nodeUid) {
        admin.leases().inNamespace("kube-node-lease").resource(new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder()
                .withNewMetadata().withNamespace("kube-node-lease").withName(node).addNewOwnerReference().withApiVersion("v1")
                .withKind("Node").withName(node).withUid(nodeUid).endOwnerReference().endMetadata()
                .withNewSpec().withHolderIdentity(node).withLeaseDurationSeconds(40).endSpec().build()).create();
    }

    NodeBacklogReport report(String node) {
        return admin.resources(NodeBacklogReport.class).withName(node).get();
    }

    Lease agentLease(String node) {
        return admin.leases().inNamespace(ChartInstall.AGENT_NAMESPACE).withName("backlog-sentinel-agent-" + node).get();
    }

    @Override
    public void close() {
        admin.close();
    }
}
