package dev.backlogsentinel.agent.policy;

import dev.backlogsentinel.agent.attribution.PodInfo;
import dev.backlogsentinel.agent.scan.PodLookup;
import dev.backlogsentinel.agent.scan.ListenerFinding;
import dev.backlogsentinel.agent.scan.NetnsScan;
import dev.backlogsentinel.agent.scan.NodeScan;
import dev.backlogsentinel.api.ListenerState;
import dev.backlogsentinel.api.policy.BacklogPolicy;
import dev.backlogsentinel.api.policy.PolicyValidation;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Judges each scan against the BacklogPolicies: each listener of a pod is matched by the valid
 * policies of the pod's namespace (podSelector, ports) and gets one state machine per policy, kept
 * for as long as the listener and its namespace live, across edits of the policy, and taken up
 * from the node's report when the agent starts ({@link #resume}). Each policy
 * counts its own listeners; the report lists a listener once per policy it is not OK under.
 */
public final class PolicyEvaluator {

    private record TrackerKey(long netns, String address, int port, String family, String policyNamespace, String policyName) {
    }

    private record Tracker(ListenerStateMachine machine, String spec) {
    }

    /**
     * A listener's state as the node's report has it, from an agent that ran before this one.
     *
     * @param policyNamespace the policy's namespace, which is its pod's
     */
    public record Resumed(String policyNamespace, String policyName, String podUid, String family, String address, int port,
            ListenerState state, Instant since, long peakDepth) {

        ResumeKey key() {
            return new ResumeKey(policyNamespace, policyName, podUid, family, address, port);
        }
    }

    /** A listener as it is known across agents: by its pod, not by the namespace key this agent gave it. */
    private record ResumeKey(String policyNamespace, String policyName, String podUid, String family, String address, int port) {
    }

    private final Map<TrackerKey, Tracker> trackers = new HashMap<>();
    private Map<ResumeKey, Resumed> resumed = Map.of();

    /**
     * Listener states to take up at the next evaluation, each for the listener that is the same
     * (same pod, policy, address and port) in it. What that evaluation does not meet is dropped:
     * such a listener is gone, and the report says so.
     */
    public void resume(List<Resumed> states) {
        Map<ResumeKey, Resumed> byKey = new HashMap<>();
        states.forEach(r -> byKey.put(r.key(), r));
        resumed = byKey;
    }

    /**
     * @param podsOnNode  every pod of this node (what matchedPods counts)
     * @param podsOfNetns the pod each listener of a namespace belongs to: the namespace's pod, or for
     *                    the node's own namespace the hostNetwork pod owning the socket; null when none
     */
    public Evaluation evaluate(NodeScan scan, List<PodInfo> podsOnNode,
            PodLookup podsOfNetns, List<BacklogPolicy> policies) {
        Map<String, List<BacklogPolicy>> validByNamespace = new HashMap<>();
        for (BacklogPolicy p : policies) {
            if (PolicyValidation.problems(p.getSpec()).isEmpty()) {
                validByNamespace.computeIfAbsent(p.getMetadata().getNamespace(), n -> new ArrayList<>()).add(p);
            }
        }
        Map<String, Counter> counters = new LinkedHashMap<>();
        for (PodInfo pod : podsOnNode) {
            for (BacklogPolicy p : validByNamespace.getOrDefault(pod.namespace(), List.of())) {
                if (PodSelectorMatch.matches(p.getSpec().getPodSelector(), pod.labels())) {
                    counters.computeIfAbsent(key(p), k -> new Counter(p)).pods.add(pod.uid());
                }
            }
        }
        List<EvaluatedListener> notOk = new ArrayList<>();
        Set<TrackerKey> seen = new HashSet<>();
        int matched = 0;
        for (NetnsScan ns : scan.namespaces()) {
            double overflowRate = overflowsPerMinute(ns);
            Function<ListenerFinding, PodInfo> podOf = podsOfNetns.in(ns);
            for (ListenerFinding l : ns.listeners()) {
                PodInfo pod = podOf.apply(l);
                if (pod == null) {
                    continue;
                }
                boolean any = false;
                for (BacklogPolicy p : validByNamespace.getOrDefault(pod.namespace(), List.of())) {
                    if (!PodSelectorMatch.matches(p.getSpec().getPodSelector(), pod.labels())) {
                        continue;
                    }
                    Counter c = counters.computeIfAbsent(key(p), k -> new Counter(p));
                    List<Integer> ports = p.getSpec().getPorts();
                    if (ports != null && !ports.isEmpty() && !ports.contains(l.endpoint().port())) {
                        continue;
                    }
                    any = true;
                    c.pods.add(pod.uid());
                    c.listeners++;
                    TrackerKey tk = new TrackerKey(ns.key(), l.endpoint().address(), l.endpoint().port(),
                            l.endpoint().family().name(), p.getMetadata().getNamespace(), p.getMetadata().getName());
                    seen.add(tk);
                    Tracker t = trackers.get(tk);
                    // A changed spec (new generation) carries the listener's state over to the new thresholds.
                    String spec = p.getMetadata().getUid() + "/" + p.getMetadata().getGeneration();
                    if (t == null) {
                        t = new Tracker(startOrResume(p, pod, l), spec);
                        trackers.put(tk, t);
                    } else if (!t.spec().equals(spec)) {
                        t = new Tracker(t.machine().under(p.getSpec()), spec);
                        trackers.put(tk, t);
                    }
                    ListenerState state = t.machine().observe(new Observation(scan.at(), l.depth(), l.usagePercent(), l.full(), overflowRate));
                    if (state == ListenerState.Warning) {
                        c.warning++;
                    } else if (state == ListenerState.Saturated) {
                        c.saturated++;
                    }
                    if (state != ListenerState.OK) {
                        notOk.add(new EvaluatedListener(p.getMetadata().getNamespace(), p.getMetadata().getName(), pod, ns, l, state,
                                t.machine().since(), t.machine().peakDepth()));
                    }
                }
                matched += any ? 1 : 0;
            }
        }
        trackers.keySet().retainAll(seen);
        resumed = Map.of();
        notOk.sort(Comparator.comparing((EvaluatedListener e) -> e.state() != ListenerState.Saturated)
                .thenComparing(e -> e.listener(), ListenerFinding::worstFirst));
        List<PolicyCounts> counts = new ArrayList<>();
        counters.values().forEach(c -> counts.add(c.counts()));
        return new Evaluation(List.copyOf(notOk), List.copyOf(counts), matched);
    }

    private ListenerStateMachine startOrResume(BacklogPolicy p, PodInfo pod, ListenerFinding l) {
        Resumed r = resumed.get(new ResumeKey(p.getMetadata().getNamespace(), p.getMetadata().getName(), pod.uid(),
                l.endpoint().family().name(), l.endpoint().address(), l.endpoint().port()));
        return r == null ? new ListenerStateMachine(p.getSpec())
                : ListenerStateMachine.resume(p.getSpec(), r.state(), r.since(), r.peakDepth());
    }

    /** ListenOverflows per minute over the time the scan's delta spans; 0 when it has none. */
    private static double overflowsPerMinute(NetnsScan ns) {
        if (ns.delta() == null || ns.deltaOver() == null) {
            return 0;
        }
        long millis = ns.deltaOver().toMillis();
        return millis <= 0 ? 0 : ns.delta().listenOverflows() * 60_000.0 / millis;
    }

    private static String key(BacklogPolicy p) {
        return p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
    }

    private static final class Counter {
        final BacklogPolicy policy;
        /** Matched pods, by UID: from the node's pod list, and any pod seen only through its listeners. */
        final Set<String> pods = new HashSet<>();
        int listeners;
        int warning;
        int saturated;

        Counter(BacklogPolicy policy) {
            this.policy = policy;
        }

        PolicyCounts counts() {
            return new PolicyCounts(policy.getMetadata().getNamespace(), policy.getMetadata().getName(), pods.size(), listeners,
                    warning, saturated);
        }
    }
}
