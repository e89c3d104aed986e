package dev.backlogsentinel.agent.cluster;

import dev.backlogsentinel.agent.attribution.SocketOwner;
import dev.backlogsentinel.agent.policy.EvaluatedListener;
import dev.backlogsentinel.agent.policy.Evaluation;
import dev.backlogsentinel.agent.attribution.PodInfo;
import dev.backlogsentinel.agent.policy.PolicyCounts;
import dev.backlogsentinel.agent.scan.NodeScan;
import dev.backlogsentinel.api.report.ListenerProcess;
import dev.backlogsentinel.agent.kernel.NetnsKnobs;
import dev.backlogsentinel.api.report.NetnsSysctls;
import dev.backlogsentinel.api.report.NodeBacklogReportStatus;
import dev.backlogsentinel.api.report.PodRef;
import dev.backlogsentinel.api.report.PolicyCount;
import dev.backlogsentinel.api.report.ReportTotals;
import dev.backlogsentinel.api.report.ReportedListener;

import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Turns a judged scan into the report's status, and says what part of it is its shape: which
 * listeners are not OK, in which state since when, and the per-policy counts. A change of shape is
 * written at once; a change of values only (depths, counters) waits for the refresh interval.
 */
public final class ReportBuilder {

    /** The status, its shape, and its values without the time stamp (to skip writes that change nothing). */
    public record Built(NodeBacklogReportStatus status, List<String> shape, List<String> values) {
    }

    private ReportBuilder() {
    }

    public static Built build(NodeScan scan, Evaluation evaluation, String agentVersion) {
        NodeBacklogReportStatus status = new NodeBacklogReportStatus();
        status.setAgentVersion(agentVersion);
        status.setReader(scan.reader());
        status.setUpdatedAt(scan.at().truncatedTo(ChronoUnit.SECONDS).toString());
        status.setTotals(new ReportTotals(scan.namespaces().size(), scan.listenerCount(), evaluation.matched()));
        List<String> shape = new ArrayList<>();
        List<String> values = new ArrayList<>();
        values.add(scan.reader() + " " + scan.namespaces().size() + " " + scan.listenerCount() + " " + evaluation.matched());
        List<PolicyCount> policies = new ArrayList<>();
        for (PolicyCounts c : evaluation.policies()) {
            policies.add(new PolicyCount(c.namespace(), c.name(), c.matchedPods(), c.listeners(), c.warning(), c.saturated()));
            shape.add("policy " + c.namespace() + "/" + c.name() + " " + c.matchedPods() + " " + c.listeners() + " " + c.warning()
                    + " " + c.saturated());
        }
        status.setPolicies(policies);
        List<ReportedListener> listeners = new ArrayList<>();
        for (EvaluatedListener e : evaluation.notOk()) {
            ReportedListener l = new ReportedListener();
            l.setPolicy(e.policyName());
            l.setPod(new PodRef(e.pod().namespace(), e.pod().name(), e.pod().uid()));
            l.setNetns(e.netns().nsInode());
            l.setFamily(e.listener().endpoint().family().name());
            l.setAddress(e.listener().endpoint().address());
            l.setPort(e.listener().endpoint().port());
            l.setState(e.state());
            l.setSince(e.since() == null ? null : e.since().truncatedTo(ChronoUnit.SECONDS).toString());
            l.setDepth(e.listener().depthForApi());
            l.setPeakDepth((int) Math.min(e.peakDepth(), Integer.MAX_VALUE));
            l.setLimit(e.listener().limit());
            l.setLimitedBy(e.listener().limitedBy().label());
            l.setSynRecv(e.listener().synRecv());
            l.setOverflowsTotal(e.netns().counters() == null ? null : e.netns().counters().listenOverflows());
            l.setDropsTotal(e.netns().counters() == null ? null : e.netns().counters().listenDrops());
            l.setReqQFullDropTotal(e.netns().counters() == null ? null : e.netns().counters().reqQFullDrop());
            l.setProcess(process(e.listener().owner(), e.pod()));
            l.setSysctls(sysctls(e.netns().sysctls()));
            l.setFull(e.listener().full());
            listeners.add(l);
            shape.add("listener " + e.policyNamespace() + "/" + e.policyName() + " " + e.pod().uid() + " " + l.getFamily() + " "
                    + l.getAddress() + ":" + l.getPort() + " " + l.getState() + " " + l.getSince() + " " + l.getLimit() + " "
                    + l.getLimitedBy() + " " + Objects.hashCode(l.getProcess()) + " " + Objects.hashCode(l.getSysctls()));
            values.add(l.getPort() + " " + l.getDepth() + " " + l.getPeakDepth() + " " + l.getSynRecv() + " " + l.getOverflowsTotal()
                    + " " + l.getDropsTotal() + " " + l.getReqQFullDropTotal());
        }
        status.setListeners(listeners);
        return new Built(status, List.copyOf(shape), List.copyOf(values));
    }

    /** Who holds the socket, with the container's name from the pod's status; null when not known. */
    static ListenerProcess process(SocketOwner owner, PodInfo pod) {
        if (owner == null) {
            return null;
        }
        return new ListenerProcess(owner.pid(), owner.command(), owner.containerId(),
                pod == null ? null : pod.containerName(owner.containerId()), owner.server() == null ? null : owner.server().id(),
                owner.holders());
    }

    static NetnsSysctls sysctls(NetnsKnobs s) {
        return s == null || s.equals(NetnsKnobs.UNKNOWN) ? null
                : new NetnsSysctls(s.somaxconn(), s.tcpSyncookies(), s.tcpAbortOnOverflow(), s.tcpMaxSynBacklog());
    }
}
