package dev.backlogsentinel.operator.policy;

import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.api.report.PolicyCount;
import dev.backlogsentinel.api.report.ReportedListener;

import io.javaoperatorsdk.operator.processing.event.ResourceID;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which policies a report names (in its per-policy counts or its listeners), as "namespace/name":
 * the index that lets a policy change wake only the nodes it concerns, and a report change only the
 * policies it concerns.
 */
public final class PolicyIndex {

    public static final String NAME = "policies";

    private PolicyIndex() {
    }

    public static String key(String namespace, String name) {
        return namespace + "/" + name;
    }

    /** The policy a key names. */
    public static ResourceID resourceId(String key) {
        int slash = key.indexOf('/');
        return new ResourceID(key.substring(slash + 1), key.substring(0, slash));
    }

    public static List<String> policiesOf(NodeBacklogReport report) {
        if (report.getStatus() == null) {
            return List.of();
        }
        Set<String> keys = new LinkedHashSet<>();
        for (PolicyCount c : report.getStatus().getPolicies()) {
            keys.add(key(c.getNamespace(), c.getName()));
        }
        for (ReportedListener l : report.getStatus().getListeners()) {
            if (l.getPod() != null && l.getPolicy() != null) {
                keys.add(key(l.getPod().getNamespace(), l.getPolicy()));
            }
        }
        return List.copyOf(keys);
    }
}
