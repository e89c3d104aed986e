package dev.backlogsentinel.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Installs on a test server what `helm install` of charts/backlog-sentinel would, as far as a
 * server without controllers can use it: the CRDs (the chart's crds/), the release namespace, and
 * the ServiceAccounts and RBAC rendered by real Helm (helm-java). Workloads are not applied: nothing
 * would run them, and the packaged apps run as processes with the ServiceAccounts' tokens instead.
 */
public final class ChartInstall {

    public static final String RELEASE = "backlog-sentinel";
    public static final String NAMESPACE = "backlog-sentinel";
    /** The agent's namespace, as the chart names it by default: the release namespace's, then -agent. */
    public static final String AGENT_NAMESPACE = NAMESPACE + "-agent";
    /** The namespaces a packaged agent learns as the chart's DaemonSet tells it (downward API). */
    public static final Map<String, String> AGENT_ENV = Map.of("POD_NAMESPACE", AGENT_NAMESPACE);
    /** The namespaces a packaged operator learns as the chart's Deployment tells it: its own, and the agents'. */
    public static final Map<String, String> OPERATOR_ENV = Map.of("POD_NAMESPACE", NAMESPACE,
            "BACKLOG_OPERATOR_AGENT_NAMESPACE", AGENT_NAMESPACE);
    public static final String AGENT_SERVICE_ACCOUNT = RELEASE + "-agent";
    public static final String OPERATOR_SERVICE_ACCOUNT = RELEASE + "-operator";
    private static final Set<Class<? extends HasMetadata>> RBAC = Set.of(ServiceAccount.class, ClusterRole.class,
            ClusterRoleBinding.class, Role.class, RoleBinding.class);
    private static final Map<TestApiServer, Installed> INSTALLED = new IdentityHashMap<>();

    /**
     * The identities the chart grants, on one server, and the JVM options its DaemonSet and
     * Deployment give the agent and the operator (JAVA_TOOL_OPTIONS), so that a packaged app runs
     * with the heap, collector and compiler it gets in a pod.
     */
    public record Installed(Identity agent, Identity operator, List<HasMetadata> rbac, String agentJavaOpts,
            String operatorJavaOpts) {
    }

    private ChartInstall() {
    }

    /** Installs once per server; later calls return the same identities. */
    public static synchronized Installed on(TestApiServer server) {
        return INSTALLED.computeIfAbsent(server, ChartInstall::install);
    }

    private static Installed install(TestApiServer server) {
        try (KubernetesClient admin = server.admin()) {
            // The release namespace as the README makes it; the agent's as the chart renders it (its labels).
            admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
                    .createOr(NonDeletingOperation::update);
            for (CustomResourceDefinition crd : crds()) {
                admin.apiextensions().v1().customResourceDefinitions().resource(crd).createOr(NonDeletingOperation::update);
            }
            List<HasMetadata> rendered = render(chart());
            // By kind, not by model class: under a Quarkus test the rendered objects may be generic ones.
            for (HasMetadata namespace : rendered.stream().filter(o -> "Namespace".equals(o.getKind())).toList()) {
                admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace.getMetadata().getName())
                        .withLabels(namespace.getMetadata().getLabels()).endMetadata().build()).createOr(NonDeletingOperation::update);
            }
            if (admin.namespaces().withName(AGENT_NAMESPACE).get() == null) {
                throw new IllegalStateException("the chart rendered no namespace " + AGENT_NAMESPACE);
            }
            List<HasMetadata> rbac = rbac(rendered);
            for (HasMetadata object : rbac) {
                admin.resource(object).createOr(NonDeletingOperation::update);
            }
            for (CustomResourceDefinition crd : crds()) {
                admin.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
                        .waitUntilCondition(c -> c.getStatus() != null && c.getStatus().getConditions() != null
                                && c.getStatus().getConditions().stream()
                                        .anyMatch(k -> "Established".equals(k.getType()) && "True".equals(k.getStatus())),
                                30, TimeUnit.SECONDS);
            }
            return new Installed(identity(server, admin, AGENT_NAMESPACE, AGENT_SERVICE_ACCOUNT),
                    identity(server, admin, NAMESPACE, OPERATOR_SERVICE_ACCOUNT),
                    rbac, javaToolOptions(rendered, "DaemonSet"), javaToolOptions(rendered, "Deployment"));
        }
    }

    /** The chart directory, found from the module's working directory upwards. */
    public static Path chart() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path chart = dir.resolve("charts/backlog-sentinel");
            if (Files.isRegularFile(chart.resolve("Chart.yaml"))) {
                return chart;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("charts/backlog-sentinel not found above " + Path.of("").toAbsolutePath());
    }

    public static List<CustomResourceDefinition> crds() {
        try (var files = Files.list(chart().resolve("crds"))) {
            List<CustomResourceDefinition> crds = new ArrayList<>();
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                crds.add(Serialization.unmarshal(Files.readString(f), CustomResourceDefinition.class));
            }
            return crds;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Everything a chart renders with its default values (real Helm), e.g. this one's or an earlier version's. */
    public static List<HasMetadata> render(Path chart) {
        String yaml = new Helm(chart).template().withName(RELEASE).withNamespace(NAMESPACE).withKubeVersion("1.31.0").call();
        List<HasMetadata> objects = new ArrayList<>();
        for (String doc : yaml.split("(?m)^---\\s*$")) {
            if (doc.lines().allMatch(l -> l.isBlank() || l.startsWith("#"))) {
                continue;
            }
            Object parsed = Serialization.unmarshal(doc);
            objects.addAll(parsed instanceof KubernetesList list ? list.getItems() : List.of((HasMetadata) parsed));
        }
        return objects;
    }

    /** The ServiceAccounts, Roles, ClusterRoles and bindings the chart renders with its default values. */
    public static List<HasMetadata> rbac() {
        return rbac(render(chart()));
    }

    private static List<HasMetadata> rbac(List<HasMetadata> rendered) {
        List<HasMetadata> objects = new ArrayList<>();
        for (HasMetadata item : rendered) {
            if (RBAC.contains(item.getClass())) {
                if (item.getMetadata().getNamespace() == null) {
                    // helm template leaves the release namespace implicit, as `helm install -n` would fill it.
                    boolean clusterScoped = item instanceof ClusterRole || item instanceof ClusterRoleBinding;
                    item.getMetadata().setNamespace(clusterScoped ? null : NAMESPACE);
                }
                objects.add(item);
            }
        }
        return objects;
    }

    /**
     * JAVA_TOOL_OPTIONS of the one workload of this kind the chart renders (its DaemonSet: the
     * agent; its Deployment: the operator). Read as a tree by kind, not by model class: under a
     * Quarkus test the rendered objects and this class may come from different class loaders.
     */
    private static String javaToolOptions(List<HasMetadata> rendered, String kind) {
        List<JsonNode> workloads = rendered.stream().filter(o -> kind.equals(o.getKind()))
                .map(o -> (JsonNode) Serialization.jsonMapper().valueToTree(o)).toList();
        if (workloads.size() != 1) {
            throw new IllegalStateException("the chart renders " + workloads.size() + " " + kind + "s, not one");
        }
        for (JsonNode env : workloads.getFirst().path("spec").path("template").path("spec").path("containers").path(0).path("env")) {
            if (env.path("name").asText().equals("JAVA_TOOL_OPTIONS")) {
                return env.path("value").asText();
            }
        }
        throw new IllegalStateException("the chart's " + kind + " sets no JAVA_TOOL_OPTIONS");
    }

    /**
     * A token for a ServiceAccount of the release namespace (created if missing), e.g. one a test
     * binds to rights of its own.
     */
    public static Identity identity(TestApiServer server, KubernetesClient admin, String serviceAccount) {
        return identity(server, admin, NAMESPACE, serviceAccount);
    }

    /** A token for a ServiceAccount of a namespace (created if missing). */
    public static Identity identity(TestApiServer server, KubernetesClient admin, String namespace, String serviceAccount) {
        if (admin.serviceAccounts().inNamespace(namespace).withName(serviceAccount).get() == null) {
            admin.serviceAccounts().inNamespace(namespace).resource(new io.fabric8.kubernetes.api.model.ServiceAccountBuilder()
                    .withNewMetadata().withNamespace(namespace).withName(serviceAccount).endMetadata().build()).create();
        }
        TokenRequest request = new TokenRequestBuilder().withNewSpec().withExpirationSeconds(24 * 3600L).endSpec().build();
        TokenRequest issued = admin.serviceAccounts().inNamespace(namespace).withName(serviceAccount).tokenRequest(request);
        String token = issued.getStatus().getToken();
        Identity identity = new Identity(namespace, serviceAccount, server.url(), server.caCertificate(), token,
                server.work().resolve(serviceAccount + ".kubeconfig"));
        try {
            Files.writeString(identity.kubeconfig(), identity.kubeconfigYaml(server.url()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return identity;
    }
}
