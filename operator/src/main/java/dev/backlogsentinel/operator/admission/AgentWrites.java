package dev.backlogsentinel.operator.admission;

import dev.backlogsentinel.api.Conventions;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What an agent may write: its own node's report, and its own node's heartbeat Lease, nothing of
 * another node's. RBAC cannot say this (one ServiceAccount serves every node, and a name cannot be
 * granted before it exists), the kubelet's NodeRestriction does it for the kubelet's own objects,
 * and this does it for the agent's. The node comes from the request itself: a pod-bound token (the
 * one the kubelet mounts) names its pod, and the pod names its node. Requests of anyone else are
 * left to RBAC.
 */
public final class AgentWrites {

    /** What a pod-bound ServiceAccount token adds to its user (Kubernetes' serviceaccount package). */
    static final String POD_NAME = "authentication.kubernetes.io/pod-name";
    static final String POD_UID = "authentication.kubernetes.io/pod-uid";
    static final String REPORTS = "nodebacklogreports";
    static final String LEASES = "leases";

    /** The answer: allowed, or refused with a message the agent's log and the API server's audit show. */
    public record Verdict(boolean allowed, String message) {

        static Verdict allow() {
            return new Verdict(true, null);
        }

        static Verdict refuse(String message) {
            return new Verdict(false, message);
        }
    }

    private final String agentUser;
    private final String agentNamespace;
    private final PodNodes pods;

    /**
     * @param agentUser      the agents' user, system:serviceaccount:&lt;namespace&gt;:&lt;name&gt;
     * @param agentNamespace the namespace of the agents' pods and heartbeat Leases
     */
    public AgentWrites(String agentUser, String agentNamespace, PodNodes pods) {
        this.agentUser = agentUser;
        this.agentNamespace = agentNamespace;
        this.pods = pods;
    }

    public Verdict judge(AdmissionRequest request) {
        if (request.getUserInfo() == null || !agentUser.equals(request.getUserInfo().getUsername())) {
            return Verdict.allow();
        }
        String resource = request.getResource() == null ? "" : request.getResource().getResource();
        String name = name(request);
        String what = describe(resource, request.getNamespace(), name);
        Map<String, List<String>> extra = request.getUserInfo().getExtra() == null ? Map.of() : request.getUserInfo().getExtra();
        Optional<String> pod = first(extra.get(POD_NAME));
        Optional<String> uid = first(extra.get(POD_UID));
        if (pod.isEmpty() || uid.isEmpty()) {
            return Verdict.refuse("an agent writes " + what + " only with the token the kubelet mounts in its pod (bound to the pod, "
                    + "which names its node); this request's token names no pod");
        }
        Optional<String> node;
        try {
            node = pods.nodeOf(pod.get(), uid.get());
        } catch (RuntimeException e) {
            // The pod could not be looked up (API server away?): refused, and said why; the agent retries.
            return Verdict.refuse("cannot tell the node of the agent pod " + agentNamespace + "/" + pod.get() + ", so its write of "
                    + what + " is refused for now: " + e.getMessage());
        }
        if (node.isEmpty()) {
            return Verdict.refuse("the token's pod " + agentNamespace + "/" + pod.get() + " (uid " + uid.get()
                    + ") is not an agent pod bound to a node, so it may not write " + what);
        }
        String own = switch (resource) {
            case REPORTS -> node.get();
            case LEASES -> agentNamespace.equals(request.getNamespace()) ? Conventions.agentLease(node.get()) : null;
            default -> null;
        };
        if (own == null) {
            return Verdict.refuse("an agent writes only NodeBacklogReports and its heartbeat Lease in " + agentNamespace + ", not " + what);
        }
        if (!own.equals(name)) {
            return Verdict.refuse("the agent on node " + node.get() + " (pod " + pod.get() + ") may write only its own node's "
                    + describe(resource, request.getNamespace(), own) + ", not " + what);
        }
        return Verdict.allow();
    }

    private static String name(AdmissionRequest request) {
        if (request.getName() != null && !request.getName().isBlank()) {
            return request.getName();
        }
        // A create's name is in its object (the request's name may be empty before 1.23's servers fill it).
        Object object = request.getObject();
        if (object instanceof HasMetadata m && m.getMetadata() != null && m.getMetadata().getName() != null) {
            return m.getMetadata().getName();
        }
        if (object instanceof Map<?, ?> map && map.get("metadata") instanceof Map<?, ?> metadata && metadata.get("name") instanceof String n) {
            return n;
        }
        return "";
    }

    private static String describe(String resource, String namespace, String name) {
        return switch (resource) {
            case REPORTS -> "NodeBacklogReport " + name;
            case LEASES -> "Lease " + namespace + "/" + name;
            default -> resource + " " + (namespace == null || namespace.isBlank() ? "" : namespace + "/") + name;
        };
    }

    private static Optional<String> first(List<String> values) {
        return values == null || values.isEmpty() || values.getFirst().isBlank() ? Optional.empty() : Optional.of(values.getFirst());
    }
}
