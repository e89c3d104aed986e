package dev.backlogsentinel.testing;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;

/**
 * A scraper of the agent's guarded metrics, as Prometheus is under the chart: a ServiceAccount bound
 * to the release's metrics-reader ClusterRole (kube-prometheus's Prometheus holds the same grant).
 */
public final class MetricsReader {

    private MetricsReader() {
    }

    /** The ServiceAccount (made if missing, with its namespace) bound to {@code <release>-metrics-reader}; a token of it. */
    public static String token(KubernetesClient admin, String namespace, String serviceAccount, String release) {
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
                .createOr(NonDeletingOperation::update);
        admin.serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder().withNewMetadata().withName(serviceAccount)
                .withNamespace(namespace).endMetadata().build()).createOr(NonDeletingOperation::update);
        admin.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata()
                .withName(namespace + "-" + serviceAccount + "-backlog-metrics").endMetadata().withNewRoleRef()
                .withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName(release + "-metrics-reader").endRoleRef()
                .addNewSubject().withKind("ServiceAccount").withNamespace(namespace).withName(serviceAccount).endSubject().build())
                .createOr(NonDeletingOperation::update);
        return admin.serviceAccounts().inNamespace(namespace).withName(serviceAccount)
                .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(24 * 3600L).endSpec().build())
                .getStatus().getToken();
    }
}
