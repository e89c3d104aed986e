package dev.backlogsentinel.testing;

import dev.backlogsentinel.api.ListenerRules;
import dev.backlogsentinel.api.ListenerState;
import dev.backlogsentinel.api.policy.BacklogPolicy;
import dev.backlogsentinel.api.policy.BacklogPolicySpec;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.api.report.NodeBacklogReportStatus;
import dev.backlogsentinel.api.report.PodRef;
import dev.backlogsentinel.api.report.PolicyCount;
import dev.backlogsentinel.api.report.ReportTotals;
import dev.backlogsentinel.api.report.ReportedListener;
import dev.backlogsentinel.api.Conventions;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The stage the cluster tests of every module set on the real test API server, as admin (a stage,
 * not the agent or the operator): nodes, namespaces, pods, policies, reports and Leases as a
 * cluster with agents would hold them; and what users see, read back.
 */
public class Cluster {

    public static final String OPERATOR_NAMESPACE = ChartInstall.NAMESPACE;
    /** Where the agents' heartbeat Leases are (the chart's agent namespace). */
    public static final String AGENT_NAMESPACE = ChartInstall.AGENT_NAMESPACE;

    private final KubernetesClient client;

    public Cluster(KubernetesClient client) {
        this.client = client;
    }

    /** The admin client the stage is set with. */
    public KubernetesClient client() {
        return client;
    }

    /** A Node as a kubelet registers it, with its Ready condition in the status. */
    public void node(String name) {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
        client.nodes().withName(name).subresource("status").patch(PatchContext.of(PatchType.STRATEGIC_MERGE), Serialization.asJson(
                Map.of("status", Map.of("conditions", List.of(Map.of("type", "Ready", "status", "True", "reason", "KubeletReady",
                        "message", "kubelet is posting ready status", "lastHeartbeatTime", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                        "lastTransitionTime", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()))))));
    }

    /** A Pod on no node (no scheduler runs): its UID is the server's. */
    public String pod(String namespace, String name) {
        return pod(namespace, name, null, Map.of());
    }

    /** A Pod bound to a node, as the scheduler would leave it. */
    public String pod(String namespace, String name, String node, Map<String, String> labels) {
        namespace(namespace);
        return client.pods().inNamespace(namespace).resource(new PodBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .withLabels(labels).endMetadata().withNewSpec().withNodeName(node).addNewContainer().withName("app")
                .withImage("registry.example/app:1").endContainer().endSpec().build()).create().getMetadata().getUid();
    }

    public void namespace(String name) {
        if (client.namespaces().withName(name).get() == null) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
        }
    }

    public BacklogPolicy policy(String namespace, String name, Consumer<BacklogPolicySpec> tweak) {
        namespace(namespace);
        BacklogPolicy policy = new BacklogPolicy();
        policy.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
        BacklogPolicySpec spec = new BacklogPolicySpec();
        tweak.accept(spec);
        policy.setSpec(spec);
        return client.resource(policy).create();
    }

    /** A policy for the pods labelled app=&lt;app&gt;, on one port, that judges at once (sustainFor 0s). */
    public BacklogPolicy immediatePolicy(String namespace, String name, String app, int port) {
        return policy(namespace, name, spec -> {
            spec.setPodSelector(new io.fabric8.kubernetes.api.model.LabelSelectorBuilder().addToMatchLabels("app", app).build());
            spec.setPorts(java.util.List.of(port));
            spec.setSustainFor("0s");
        });
    }

    public void lease(String node, Instant renewed) {
        var lease = new LeaseBuilder().withNewMetadata().withNamespace(AGENT_NAMESPACE).withName(Conventions.agentLease(node))
                .endMetadata().withNewSpec().withHolderIdentity("agent-" + node).withLeaseDurationSeconds(10)
                .withRenewTime(ZonedDateTime.ofInstant(renewed, ZoneOffset.UTC)).endSpec().build();
        client.leases().inNamespace(AGENT_NAMESPACE).resource(lease).fieldManager("test-agent").forceConflicts().serverSideApply();
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
        l.setFull(ListenerRules.full(depth, limit));
        return l;
    }

    /** Writes a node's report as its agent does: created once, then its status merge-patched. */
    public NodeBacklogReport report(String node, String updatedAt, List<PolicyCount> policies, List<ReportedListener> listeners) {
        NodeBacklogReportStatus status = new NodeBacklogReportStatus();
        status.setAgentVersion("test");
        status.setReader("netlink");
        status.setUpdatedAt(updatedAt);
        status.setTotals(new ReportTotals(2, 4, listeners.size()));
        status.setPolicies(policies);
        status.setListeners(listeners);
        var reports = client.resources(NodeBacklogReport.class);
        if (reports.withName(node).get() == null) {
            NodeBacklogReport fresh = new NodeBacklogReport();
            fresh.setMetadata(new ObjectMetaBuilder().withName(node).build());
            reports.resource(fresh).create();
        }
        return reports.withName(node).subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE),
                Serialization.asJson(Map.of("status", status)));
    }

    public NodeBacklogReport report(String node) {
        return client.resources(NodeBacklogReport.class).withName(node).get();
    }

    public NodeCondition pressure(String node) {
        var n = client.nodes().withName(node).get();
        if (n.getStatus() == null || n.getStatus().getConditions() == null) {
            return null;
        }
        return n.getStatus().getConditions().stream().filter(c -> c.getType().equals("ListenQueuePressure")).findFirst().orElse(null);
    }

    /** The Events about an object, as `kubectl describe` finds them (core/v1). */
    public List<Event> events(String namespace, String regardingName, String reason) {
        return client.v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(e -> e.getInvolvedObject() != null && regardingName.equals(e.getInvolvedObject().getName())
                        && reason.equals(e.getReason()))
                .toList();
    }

    /** The real `kubectl describe`, as admin. */
    public static String describe(String... args) {
        String[] full = new String[args.length + 1];
        full[0] = "describe";
        System.arraycopy(args, 0, full, 1, args.length);
        return TestApiServer.shared().kubectl(full);
    }

    public BacklogPolicy policy(String namespace, String name) {
        return client.resources(BacklogPolicy.class).inNamespace(namespace).withName(name).get();
    }

    /** The kubelet's node Lease, which names its Node with its UID. */
    public void kubeletLease(String node, String nodeUid) {
        client.leases().inNamespace("kube-node-lease").resource(new LeaseBuilder().withNewMetadata().withNamespace("kube-node-lease")
                .withName(node).addNewOwnerReference().withApiVersion("v1").withKind("Node").withName(node).withUid(nodeUid)
                .endOwnerReference().endMetadata().withNewSpec().withHolderIdentity(node).withLeaseDurationSeconds(40).endSpec().build())
                .create();
    }

    /** The agent's heartbeat Lease of a node, as the agent left it; null when there is none. */
    public io.fabric8.kubernetes.api.model.coordination.v1.Lease agentLease(String node) {
        return client.leases().inNamespace(AGENT_NAMESPACE).withName(Conventions.agentLease(node)).get();
    }
}
