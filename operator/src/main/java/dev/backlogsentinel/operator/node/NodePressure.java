package dev.backlogsentinel.operator.node;

import dev.backlogsentinel.api.Vocabulary;
import dev.backlogsentinel.api.ListenerState;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.api.report.ReportedListener;
import dev.backlogsentinel.operator.events.FindingMessages;
import dev.backlogsentinel.operator.policy.ValidPolicies;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Decides a node's ListenQueuePressure condition from its report, the policies and its agent's liveness. */
public final class NodePressure {

    private NodePressure() {
    }

    public static DesiredCondition evaluate(NodeBacklogReport report, ValidPolicies policies, AgentLiveness liveness,
            Duration grace, int shown) {
        if (!liveness.alive()) {
            return new DesiredCondition(DesiredCondition.UNKNOWN, Vocabulary.REASON_AGENT_NOT_REPORTING,
                    liveness.notReportingMessage(grace));
        }
        List<ReportedListener> saturated = saturatedUnder(report, policies, true);
        if (saturated.isEmpty()) {
            return new DesiredCondition(DesiredCondition.FALSE, Vocabulary.REASON_NO_PRESSURE,
                    "No listen queue on this node is saturated.");
        }
        return new DesiredCondition(DesiredCondition.TRUE, Vocabulary.REASON_SATURATED,
                FindingMessages.condition(saturated, shown));
    }

    /**
     * Saturated listeners under valid policies, once each (a listener under several policies counts
     * once), longest Saturated first.
     *
     * @param forCondition true: only policies with nodeCondition; false: only policies with events
     */
    public static List<ReportedListener> saturatedUnder(NodeBacklogReport report, ValidPolicies policies, boolean forCondition) {
        Map<String, ReportedListener> unique = new LinkedHashMap<>();
        if (report.getStatus() == null) {
            return List.of();
        }
        for (ReportedListener l : report.getStatus().getListeners()) {
            if (l.getState() != ListenerState.Saturated || l.getPod() == null) {
                continue;
            }
            boolean counts = policies.get(l.getPod().getNamespace(), l.getPolicy())
                    .map(spec -> Boolean.TRUE.equals(forCondition ? spec.getNodeCondition() : spec.getEvents()))
                    .orElse(false);
            if (counts) {
                unique.putIfAbsent(listenerKey(l), l);
            }
        }
        List<ReportedListener> list = new ArrayList<>(unique.values());
        list.sort(LONGEST_FIRST);
        return list;
    }

    public static String listenerKey(ReportedListener l) {
        return l.getPod().getUid() + "/" + l.getAddress() + "/" + l.getPort();
    }

    /**
     * Longest Saturated first (RFC 3339 UTC times sort as text), then by pod and port: the condition
     * names the same listeners in the same order while the incident holds, whatever the depths do,
     * so its text (and nodes/status) moves only when a listener starts or stops being Saturated.
     */
    public static final Comparator<ReportedListener> LONGEST_FIRST = Comparator
            .comparing((ReportedListener l) -> l.getSince() == null ? "~" : l.getSince())
            .thenComparing(l -> l.getPod().getNamespace() + "/" + l.getPod().getName() + ":" + l.getPort());
}
