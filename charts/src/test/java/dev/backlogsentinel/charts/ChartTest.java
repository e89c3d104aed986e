package dev.backlogsentinel.charts;

import dev.backlogsentinel.testing.ChartInstall;
import dev.backlogsentinel.testing.Identity;
import dev.backlogsentinel.testing.TestApiServer;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.Role;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The chart as Helm lints and renders it, checked point by point against what a cluster would get. */
class ChartTest {

    static Rendered defaults;

    @BeforeAll
    static void render() {
        defaults = Rendered.with(Map.of());
    }

    @Test
    void lintStrictPassesWithDefaultValues() {
        LintResult result = new Helm(Rendered.CHART).lint().strict().call();
        assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
    }

    @Test
    void lintStrictPassesWithANonDefaultSet(@TempDir Path copy) throws IOException {
        copyTree(Rendered.CHART, copy);
        Files.writeString(copy.resolve("values.yaml"), """
                agent:
                  namespace: {name: edge-agents, create: false}
                  image: {repository: registry.example/bs/agent, tag: "1.2.3", pullPolicy: Always}
                  reader: procfs
                  scanInterval: 500ms
                  reportMinInterval: 10s
                  leaseRenewInterval: 5s
                  metricsPort: 19464
                  priorityClassName: ""
                  tolerations: [{key: dedicated, operator: Equal, value: edge, effect: NoSchedule}]
                  nodeSelector: {kubernetes.io/os: linux}
                  resources: {requests: {cpu: 10m, memory: 96Mi}}
                  javaOpts: "-Xmx96m"
                  logLevel: DEBUG
                  extraEnv: [{name: EXTRA, value: "1"}]
                operator:
                  image: {repository: registry.example/bs/operator, tag: "1.2.3"}
                  replicas: 3
                  agentGrace: 1m
                  podDisruptionBudget: {enabled: false, minAvailable: 0}
                  resources: {}
                  javaOpts: ""
                  logLevel: WARN
                  nodeSelector: {}
                  tolerations: []
                  affinity: {}
                  extraEnv: []
                imagePullSecrets: [{name: regcred}]
                serviceMonitor: {enabled: true, interval: 15s, labels: {release: prometheus}}
                """);
        LintResult result = new Helm(copy).lint().strict().call();
        assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
    }

    @ParameterizedTest
    @CsvSource({"agent.scanInterval, -5s", "agent.scanInterval, soon", "agent.reader, fast", "operator.replicas, 0",
            "agent.metricsPort, 80", "operator.agentGrace, forever", "agent.unknownKey, x"})
    void badValuesAreRefusedBySchema(String key, String value) {
        assertThatThrownBy(() -> Rendered.with(Map.of(key, value))).hasMessageContaining("schema");
    }

    @Test
    void agentDaemonSetSeesTheNodeAndEveryPodNamespace() {
        PodSpec pod = defaults.agent().getSpec().getTemplate().getSpec();
        assertThat(pod.getHostNetwork()).isTrue();
        assertThat(pod.getHostPID()).isTrue();
        assertThat(pod.getDnsPolicy()).isEqualTo("ClusterFirstWithHostNet");
        assertThat(pod.getPriorityClassName()).isEqualTo("system-node-critical");
        assertThat(pod.getTolerations()).singleElement().satisfies(t -> {
            assertThat(t.getOperator()).isEqualTo("Exists");
            assertThat(t.getKey()).isNull();
            assertThat(t.getEffect()).isNull();
        });
        EnvVar node = defaultsEnv("NODE_NAME");
        assertThat(node.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("spec.nodeName");
        assertThat(defaultsEnv("BACKLOG_AGENT_MODE").getValue()).isEqualTo("cluster");
        assertThat(defaultsEnv("POD_NAMESPACE").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
    }

    private static EnvVar defaultsEnv(String name) {
        return defaults.agentContainer().getEnv().stream().filter(e -> e.getName().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void agentContainerIsLockedDownWithOnlyTheCapabilitiesNetlinkAndSocketOwnersNeed() {
        Container c = defaults.agentContainer();
        SecurityContext sc = c.getSecurityContext();
        assertThat(sc.getPrivileged()).isFalse();
        assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
        assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
        assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
        // SYS_PTRACE and SYS_ADMIN: enter namespaces (netlink); DAC_READ_SEARCH: list a non-root server's fds.
        assertThat(sc.getCapabilities().getAdd()).containsExactlyInAnyOrder("SYS_PTRACE", "SYS_ADMIN", "DAC_READ_SEARCH");
        assertThat(sc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(defaults.agent().getSpec().getTemplate().getSpec().getSecurityContext().getSeccompProfile().getType())
                .isEqualTo("RuntimeDefault");
    }

    @Test
    void procfsReaderAddsNoCapabilityAtAll() {
        Container c = Rendered.with(Map.of("agent.reader", "procfs")).agentContainer();
        assertThat(c.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(c.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("BACKLOG_AGENT_READER");
            assertThat(e.getValue()).isEqualTo("procfs");
        });
    }

    @Test
    void agentHasSmallResourcesHealthProbesMetricsAndAWritableTmpOnly() {
        Container c = defaults.agentContainer();
        assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(c.getResources().getLimits()).containsKeys("cpu", "memory");
        assertThat(c.getResources().getLimits().get("memory").toString()).isEqualTo("256Mi");
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
        assertThat(c.getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("metrics");
            assertThat(p.getContainerPort()).isEqualTo(9464);
        });
        // A writable /tmp, and the token the kubelet would mount, projected and bound to the pod (which names its node).
        assertThat(c.getVolumeMounts()).extracting(m -> m.getMountPath() + (Boolean.TRUE.equals(m.getReadOnly()) ? " ro" : " rw"))
                .containsExactly("/tmp rw", "/var/run/secrets/kubernetes.io/serviceaccount ro");
        var pod = defaults.agent().getSpec().getTemplate().getSpec();
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getVolumes()).hasSize(2);
        assertThat(pod.getVolumes().getFirst().getEmptyDir()).isNotNull();
        assertThat(pod.getVolumes().get(1).getProjected().getSources()).extracting(source -> source.getServiceAccountToken() != null
                ? "token " + source.getServiceAccountToken().getPath() : source.getConfigMap() != null
                        ? "configMap " + source.getConfigMap().getName() : "downwardAPI " + source.getDownwardAPI().getItems().getFirst().getPath())
                .containsExactly("token token", "configMap kube-root-ca.crt", "downwardAPI namespace");
        assertThat(c.getImage()).isEqualTo("ghcr.io/backlog-sentinel/agent:0.1.0");
    }

    @Test
    void operatorRunsTwoNonRootReplicasWithAPodDisruptionBudget() {
        Deployment d = defaults.operator();
        assertThat(d.getSpec().getReplicas()).isEqualTo(2);
        assertThat(d.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
        Container c = d.getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(c.getEnv()).anySatisfy(e -> assertThat(e.getName()).isEqualTo("POD_NAMESPACE"));
        PodDisruptionBudget pdb = defaults.one(PodDisruptionBudget.class, "-operator");
        assertThat(pdb.getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
        assertThat(pdb.getSpec().getSelector().getMatchLabels()).isEqualTo(d.getSpec().getSelector().getMatchLabels());
    }

    @Test
    void oneServiceAccountEachAndTheWorkloadsUseThem() {
        assertThat(defaults.all(ServiceAccount.class)).extracting(s -> s.getMetadata().getName())
                .containsExactlyInAnyOrder("backlog-sentinel-agent", "backlog-sentinel-operator");
        assertThat(defaults.agent().getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo("backlog-sentinel-agent");
        assertThat(defaults.operator().getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo("backlog-sentinel-operator");
    }

    @Test
    void noWildcardsAndNoSecretsInAnyRole() {
        Stream.concat(defaults.all(ClusterRole.class).stream().flatMap(r -> r.getRules().stream()),
                defaults.all(Role.class).stream().flatMap(r -> r.getRules().stream())).forEach(rule -> {
                    assertThat(rule.getVerbs()).doesNotContain("*");
                    assertThat(rule.getResources()).doesNotContain("*").doesNotContain("secrets");
                    assertThat(rule.getApiGroups()).doesNotContain("*");
                });
        assertThat(defaults.all(ClusterRole.class)).isNotEmpty();
    }

    /** `kubectl auth can-i --as` the chart's ServiceAccount, asked of a real API server with the chart's RBAC applied. */
    static boolean can(ChartInstall.Installed chart, Identity who, String verb, String resource, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("auth", "can-i", verb, resource, "--as", who.user()));
        args.addAll(List.of(more));
        try {
            return TestApiServer.shared().kubectl(args.toArray(String[]::new)).strip().equals("yes");
        } catch (IllegalStateException e) {
            // can-i exits 1 when the answer is no.
            if (e.getMessage().contains("exited 1")) {
                return false;
            }
            throw e;
        }
    }

    @Test
    void agentReadsPodsAndPoliciesWritesItsReportAndLeaseAndNothingOnNodes() {
        ChartInstall.Installed chart = ChartInstall.on(TestApiServer.shared());
        Identity agent = chart.agent();
        for (String verb : List.of("get", "list", "watch")) {
            assertThat(can(chart, agent, verb, "pods", "--all-namespaces")).isTrue();
            assertThat(can(chart, agent, verb, "backlogpolicies.backlogsentinel.dev", "--all-namespaces")).isTrue();
        }
        assertThat(can(chart, agent, "create", "nodebacklogreports.backlogsentinel.dev")).isTrue();
        // Its report watched by name: the states an earlier agent left, and a deletion noticed.
        for (String verb : List.of("get", "list", "watch")) {
            assertThat(can(chart, agent, verb, "nodebacklogreports.backlogsentinel.dev")).isTrue();
        }
        assertThat(can(chart, agent, "delete", "nodebacklogreports.backlogsentinel.dev")).isFalse();
        assertThat(can(chart, agent, "patch", "nodebacklogreports.backlogsentinel.dev", "--subresource=status")).isTrue();
        assertThat(can(chart, agent, "patch", "leases.coordination.k8s.io", "-n", ChartInstall.AGENT_NAMESPACE)).isTrue();
        assertThat(can(chart, agent, "patch", "leases.coordination.k8s.io", "-n", ChartInstall.NAMESPACE))
                .as("nothing in the operator's namespace: its leader Lease").isFalse();
        assertThat(can(chart, agent, "create", "leases.coordination.k8s.io", "-n", ChartInstall.NAMESPACE)).isFalse();
        assertThat(can(chart, agent, "patch", "leases.coordination.k8s.io", "-n", "kube-node-lease")).as("kubelet's Leases: read only").isFalse();
        assertThat(can(chart, agent, "get", "leases.coordination.k8s.io", "-n", "kube-node-lease")).isTrue();
        assertThat(can(chart, agent, "get", "leases.coordination.k8s.io", "-n", "default")).isFalse();
        assertThat(can(chart, agent, "delete", "pods", "--all-namespaces")).isFalse();
        assertThat(can(chart, agent, "update", "backlogpolicies.backlogsentinel.dev", "-n", "shop")).isFalse();
        assertThat(can(chart, agent, "get", "nodes")).as("nothing on nodes").isFalse();
        assertThat(can(chart, agent, "patch", "nodes", "--subresource=status")).isFalse();
        assertThat(can(chart, agent, "create", "events", "-n", "shop")).as("no events: the operator is their one writer").isFalse();
        assertThat(can(chart, agent, "get", "secrets", "-n", "backlog-sentinel")).isFalse();
    }

    @Test
    void operatorPatchesNodeStatusWritesEventsAndPolicyStatusAndReadsNoNode() {
        ChartInstall.Installed chart = ChartInstall.on(TestApiServer.shared());
        Identity op = chart.operator();
        for (String verb : List.of("get", "list", "watch")) {
            assertThat(can(chart, op, verb, "backlogpolicies.backlogsentinel.dev", "--all-namespaces")).isTrue();
            assertThat(can(chart, op, verb, "nodebacklogreports.backlogsentinel.dev")).isTrue();
            assertThat(can(chart, op, verb, "nodes")).as("the operator never reads a Node").isFalse();
        }
        assertThat(can(chart, op, "patch", "nodes", "--subresource=status")).isTrue();
        assertThat(can(chart, op, "patch", "nodes")).as("only the status").isFalse();
        assertThat(can(chart, op, "create", "events", "-n", "shop")).isTrue();
        assertThat(can(chart, op, "patch", "events", "-n", "default")).isTrue();
        assertThat(can(chart, op, "list", "events", "-n", "shop")).as("events are never read back").isFalse();
        assertThat(can(chart, op, "patch", "backlogpolicies.backlogsentinel.dev", "--subresource=status", "-n", "shop")).isTrue();
        assertThat(can(chart, op, "patch", "backlogpolicies.backlogsentinel.dev", "-n", "shop")).as("spec is the user's").isFalse();
        assertThat(can(chart, op, "patch", "nodebacklogreports.backlogsentinel.dev")).as("its own annotation").isTrue();
        assertThat(can(chart, op, "update", "nodebacklogreports.backlogsentinel.dev", "--subresource=status"))
                .as("the report's status is the agent's").isFalse();
        assertThat(can(chart, op, "create", "leases.coordination.k8s.io", "-n", ChartInstall.NAMESPACE)).isTrue();
        assertThat(can(chart, op, "update", "leases.coordination.k8s.io/backlog-sentinel-operator", "-n", ChartInstall.NAMESPACE)).isTrue();
        assertThat(can(chart, op, "update", "leases.coordination.k8s.io/another", "-n", ChartInstall.NAMESPACE))
                .as("its leader Lease by name").isFalse();
        assertThat(can(chart, op, "watch", "leases.coordination.k8s.io", "-n", ChartInstall.AGENT_NAMESPACE)).isTrue();
        assertThat(can(chart, op, "patch", "leases.coordination.k8s.io", "-n", ChartInstall.AGENT_NAMESPACE))
                .as("the agents' Leases are read only").isFalse();
        assertThat(can(chart, op, "get", "leases.coordination.k8s.io", "-n", "kube-system")).isFalse();
        assertThat(can(chart, op, "get", "secrets", "-n", "backlog-sentinel")).isFalse();
    }

    @Test
    void serviceMonitorOnlyWhenAsked() {
        assertThat(defaults.objects).noneMatch(o -> o.getKind().equals("ServiceMonitor"));
        Rendered with = Rendered.with(Map.of("serviceMonitor.enabled", "true"));
        assertThat(with.objects).filteredOn(o -> o.getKind().equals("ServiceMonitor")).hasSize(2);
    }

    @Test
    void imageRepositoryAndTagAreValues() {
        Rendered r = Rendered.with(Map.of("agent.image.repository", "registry.example/agent", "agent.image.tag", "9.9.9"));
        assertThat(r.agentContainer().getImage()).isEqualTo("registry.example/agent:9.9.9");
    }

    @Test
    void chartCrdsEqualTheTopLevelCrds() throws IOException {
        Path top = Path.of("../crds");
        Path chart = Rendered.CHART.resolve("crds");
        try (var files = Files.list(top)) {
            List<Path> yamls = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
            assertThat(yamls).hasSize(2);
            for (Path f : yamls) {
                assertThat(chart.resolve(f.getFileName())).as("charts/backlog-sentinel/crds/%s: copy crds/ (or run "
                        + "./mvnw -pl crds test -Dcrds.update)", f.getFileName()).hasSameTextualContentAs(f);
            }
        }
        try (var files = Files.list(chart)) {
            assertThat(files.count()).as("no stale CRD in the chart").isEqualTo(2);
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
