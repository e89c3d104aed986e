package dev.backlogsentinel.operator;

import dev.backlogsentinel.api.ListenerState;
import dev.backlogsentinel.api.policy.BacklogPolicy;
import dev.backlogsentinel.api.policy.BacklogPolicySpec;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.api.report.NodeBacklogReportStatus;
import dev.backlogsentinel.api.report.PodRef;
import dev.backlogsentinel.api.report.PolicyCount;
import dev.backlogsentinel.api.report.ReportTotals;
import dev.backlogsentinel.api.report.ReportedListener;
import dev.backlogsentinel.operator.node.AgentLiveness;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/** Puts into the test API server what a cluster with agents would hold, and reads back what users see. */
public final class Cluster {

    public static final String OPERATOR_NAMESPACE = "backlog-sentinel";

    private final KubernetesClient client;

    public Cluster(KubernetesClient client) {
        this.client = client;
    }

    /** The committed CRDs, as `kubectl apply -f crds/` would install them. */
    public void installCrds() throws IOException {
        try (var files = Files.list(Path.of("../crds"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                CustomResourceDefinition crd = Serialization.unmarshal(Files.readString(f), CustomResourceDefinition.class);
                client.apiextensions().v1().customResourceDefinitions().resource(crd).createOr(op -> op.update());
            }
        }
    }

    public void node(String name) {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).withUid(UUID.randomUUID().toString())
                .endMetadata().withNewStatus().addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady")
                .endCondition().endStatus().build()).create();
    }

    public String pod(String namespace, String name) {
        String uid = UUID.randomUUID().toString();
        client.pods().inNamespace(namespace).resource(new PodBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .withUid(uid).endMetadata().build()).create();
        return uid;
    }

    public BacklogPolicy policy(String namespace, String name, Consumer<BacklogPolicySpec> tweak) {
        BacklogPolicy policy = new BacklogPolicy();
        policy.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).withGeneration(1L).build());
        BacklogPolicySpec spec = new BacklogPolicySpec();
        tweak.accept(spec);
        policy.setSpec(spec);
        return client.resource(policy).create();
    }

    public void lease(String node, Instant renewed) {
        var lease = new LeaseBuilder().withNewMetadata().withNamespace(OPERATOR_NAMESPACE).withName(AgentLiveness.leaseName(node))
                .endMetadata().withNewSpec().withHolderIdentity("agent-" + node).withLeaseDurationSeconds(10)
                .withRenewTime(ZonedDateTime.ofInstant(renewed, ZoneOffset.UTC)).endSpec().build();
        client.leases().inNamespace(OPERATOR_NAMESPACE).resource(lease).createOr(op -> op.update());
    }

    public static ReportedListener saturated(String policy, String namespace, String pod, String uid, int port, int depth, int limit,
            String limitedBy, String since, long overflows) {
        ReportedListener l = new ReportedListener();
        l.setPolicy(policy);
        l.setPod(new PodRef(namespace, pod, uid));
        l.setNetns(4026532280L);
        l.setFamily("IPv4");
        l.setAddress("0.0.0.0");
        l.setPort(port);
        l.setState(ListenerState.Saturated);
        l.setSince(since);
        l.setDepth(depth);
        l.setPeakDepth(depth);
        l.setLimit(limit);
        l.setLimitedBy(limitedBy);
        l.setSynRecv(0);
        l.setOverflowsTotal(overflows);
        l.setDropsTotal(overflows);
        return l;
    }

    /** Writes a node's report as its agent would: created once, then its status replaced. */
    public NodeBacklogReport report(String node, String updatedAt, List<PolicyCount> policies, List<ReportedListener> listeners) {
        NodeBacklogReportStatus status = new NodeBacklogReportStatus();
        status.setAgentVersion("test");
        status.setReader("netlink");
        status.setUpdatedAt(updatedAt);
        status.setTotals(new ReportTotals(2, 4, listeners.size()));
        status.setPolicies(policies);
        status.setListeners(listeners);
        var reports = client.resources(NodeBacklogReport.class);
        NodeBacklogReport current = reports.withName(node).get();
        if (current == null) {
            NodeBacklogReport fresh = new NodeBacklogReport();
            fresh.setMetadata(new ObjectMetaBuilder().withName(node).build());
            current = reports.resource(fresh).create();
        }
        current.setStatus(status);
        return reports.resource(current).updateStatus();
    }

    public NodeCondition pressure(String node) {
        var n = client.nodes().withName(node).get();
        return n.getStatus().getConditions().stream().filter(c -> c.getType().equals("ListenQueuePressure")).findFirst().orElse(null);
    }

    public List<Event> events(String namespace, String regardingName, String reason) {
        return client.events().v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(e -> e.getRegarding() != null && regardingName.equals(e.getRegarding().getName()) && reason.equals(e.getReason()))
                .toList();
    }

    public BacklogPolicy policy(String namespace, String name) {
        return client.resources(BacklogPolicy.class).inNamespace(namespace).withName(name).get();
    }
}
