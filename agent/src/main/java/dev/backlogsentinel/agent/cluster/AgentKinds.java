package dev.backlogsentinel.agent.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.backlogsentinel.api.policy.BacklogPolicy;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.quarkus.kubernetes.client.KubernetesClientObjectMapper;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.util.List;

/**
 * The kinds the agent's client must recognise in a watch event or a reply, and no others. The
 * Quarkus default registers every kind of every model jar on the class path, which loads each of
 * those classes at start: hundreds of classes of metaspace, on every node, for APIs the agent never
 * calls (measured by the footprint benchmark). Lists and typed replies need no registration.
 */
@Singleton
public class AgentKinds {

    static final List<Class<? extends KubernetesResource>> KINDS = List.of(Pod.class, Lease.class, BacklogPolicy.class,
            NodeBacklogReport.class, Status.class);

    @Produces
    @Singleton
    KubernetesSerialization kubernetesSerialization(@KubernetesClientObjectMapper ObjectMapper mapper) {
        KubernetesSerialization serialization = new KubernetesSerialization(mapper, false);
        KINDS.forEach(serialization::registerKubernetesResource);
        return serialization;
    }
}
