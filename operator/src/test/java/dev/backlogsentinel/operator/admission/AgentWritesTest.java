package dev.backlogsentinel.operator.admission;

import io.fabric8.kubernetes.api.model.GroupVersionResourceBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequestBuilder;
import io.fabric8.kubernetes.api.model.authentication.UserInfoBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class AgentWritesTest {

    static final String AGENT = "system:serviceaccount:bs-agent:backlog-sentinel-agent";
    /** Two agent pods, on node-a and node-b; anything else is no agent pod. */
    static final PodNodes PODS = (pod, uid) -> switch (pod + "/" + uid) {
        case "agent-a/uid-a" -> Optional.of("node-a");
        case "agent-b/uid-b" -> Optional.of("node-b");
        default -> Optional.empty();
    };
    final AgentWrites writes = new AgentWrites(AGENT, "bs-agent", PODS);

    static AdmissionRequest request(String user, Map<String, List<String>> extra, String group, String resource, String namespace,
            String name) {
        return new AdmissionRequestBuilder().withUid("r-1").withOperation("UPDATE")
                .withResource(new GroupVersionResourceBuilder().withGroup(group).withVersion("v1").withResource(resource).build())
                .withNamespace(namespace).withName(name)
                .withUserInfo(new UserInfoBuilder().withUsername(user).withExtra(extra).build()).build();
    }

    static Map<String, List<String>> pod(String name, String uid) {
        return Map.of(AgentWrites.POD_NAME, List.of(name), AgentWrites.POD_UID, List.of(uid));
    }

    static AdmissionRequest report(Map<String, List<String>> extra, String node) {
        return request(AGENT, extra, "backlogsentinel.dev", "nodebacklogreports", null, node);
    }

    static AdmissionRequest lease(Map<String, List<String>> extra, String namespace, String name) {
        return request(AGENT, extra, "coordination.k8s.io", "leases", namespace, name);
    }

    @Test
    void anAgentWritesItsOwnNodesReportAndLease() {
        assertThat(writes.judge(report(pod("agent-a", "uid-a"), "node-a")).allowed()).isTrue();
        assertThat(writes.judge(lease(pod("agent-a", "uid-a"), "bs-agent", "backlog-sentinel-agent-node-a")).allowed()).isTrue();
    }

    @Test
    void anotherNodesReportOrLeaseIsRefusedWithBothNodesNamed() {
        var verdict = writes.judge(report(pod("agent-a", "uid-a"), "node-b"));
        assertThat(verdict.allowed()).isFalse();
        assertThat(verdict.message()).isEqualTo("the agent on node node-a (pod agent-a) may write only its own node's "
                + "NodeBacklogReport node-a, not NodeBacklogReport node-b");
        var lease = writes.judge(lease(pod("agent-a", "uid-a"), "bs-agent", "backlog-sentinel-agent-node-b"));
        assertThat(lease.allowed()).isFalse();
        assertThat(lease.message()).contains("Lease bs-agent/backlog-sentinel-agent-node-a, not Lease bs-agent/backlog-sentinel-agent-node-b");
    }

    @Test
    void aLeaseOutsideTheAgentsNamespaceIsRefused() {
        var verdict = writes.judge(lease(pod("agent-a", "uid-a"), "backlog-sentinel", "backlog-sentinel-operator"));
        assertThat(verdict.allowed()).isFalse();
        assertThat(verdict.message()).contains("not Lease backlog-sentinel/backlog-sentinel-operator");
    }

    @Test
    void aTokenBoundToNoPodOrToAPodThatIsNoAgentIsRefused() {
        assertThat(writes.judge(report(Map.of(), "node-a")).message()).contains("this request's token names no pod");
        // A pod's name with another pod's uid: the token of a pod since replaced, or a forged extra.
        assertThat(writes.judge(report(pod("agent-a", "uid-b"), "node-a")).message())
                .contains("bs-agent/agent-a (uid uid-b) is not an agent pod bound to a node");
    }

    @Test
    void aPodThatCannotBeLookedUpIsRefusedSayingWhy() {
        AgentWrites away = new AgentWrites(AGENT, "bs-agent", (pod, uid) -> {
            throw new IllegalStateException("connection refused");
        });
        var verdict = away.judge(report(pod("agent-a", "uid-a"), "node-a"));
        assertThat(verdict.allowed()).isFalse();
        assertThat(verdict.message()).isEqualTo("cannot tell the node of the agent pod bs-agent/agent-a, so its write of "
                + "NodeBacklogReport node-a is refused for now: connection refused");
    }

    @Test
    void anyoneElseIsLeftToRbac() {
        assertThat(writes.judge(request("system:serviceaccount:bs:backlog-sentinel-operator", Map.of(), "backlogsentinel.dev",
                "nodebacklogreports", null, "node-b")).allowed()).isTrue();
        assertThat(writes.judge(request("system:serviceaccount:other:backlog-sentinel-agent", Map.of(), "coordination.k8s.io",
                "leases", "bs-agent", "x")).allowed()).as("same name, another namespace: another ServiceAccount").isTrue();
    }

    @Test
    void aCreatesNameIsTakenFromItsObject() {
        AdmissionRequest create = new AdmissionRequestBuilder(report(pod("agent-a", "uid-a"), null)).withOperation("CREATE")
                .withObject(Map.of("metadata", Map.of("name", "node-b"))).build();
        assertThat(writes.judge(create).message()).contains("not NodeBacklogReport node-b");
    }
}
