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
        Map<String, List<BacklogPolicy>> validByNamespace = validByNamespace(policies);
        Tally tally = new Tally();
        countPodsOnNode(podsOnNode, validByNamespace, tally);
        for (NetnsScan ns : scan.namespaces()) {
            double overflowRate = overflowsPerMinute(ns);
            Function<ListenerFinding, PodInfo> podOf = podsOfNetns.in(ns);
            for (ListenerFinding l : ns.listeners()) {
                PodInfo pod = podOf.apply(l);
                if (pod == null) {
                    continue;
                }
                Observation now = new Observation(scan.at(), l.depth(), l.usagePercent(), l.full(), overflowRate);
                if (judge(ns, l, pod, now, validByNamespace.getOrDefault(pod.namespace(), List.of()), tally)) {
                    tally.matched++;
                }
            }
        }
        trackers.keySet().retainAll(tally.seen);
        resumed = Map.of();
        return tally.evaluation();
    }

    /** The policies that pass validation, by namespace: the others are not applied. */
    private static Map<String, List<BacklogPolicy>> validByNamespace(List<BacklogPolicy> policies) {
        Map<String, List<BacklogPolicy>> validByNamespace = new HashMap<>();
        for (BacklogPolicy p : policies) {
            if (PolicyValidation.problems(p.getSpec()).isEmpty()) {
                validByNamespace.computeIfAbsent(p.getMetadata().getNamespace(), n -> new ArrayList<>()).add(p);
            }
        }
        return validByNamespace;
    }

    /** Each policy's matched pods among the node's pods. */
    private static void countPodsOnNode(List<PodInfo> podsOnNode, Map<String, List<BacklogPolicy>> validByNamespace, Tally tally) {
        for (PodInfo pod : podsOnNode) {
            for (BacklogPolicy p : validByNamespace.getOrDefault(pod.namespace(), List.of())) {
                if (PodSelectorMatch.matches(p.getSpec().getPodSelector(), pod.labels())) {
                    tally.counter(p).pods.add(pod.uid());
                }
            }
        }
    }

    /** Judges the pod's listener under each of the policies that selects the pod and the listener's port; false when none does. */
    private boolean judge(NetnsScan ns, ListenerFinding l, PodInfo pod, Observation now, List<BacklogPolicy> policies, Tally tally) {
        boolean any = false;
        for (BacklogPolicy p : policies) {
            if (!PodSelectorMatch.matches(p.getSpec().getPodSelector(), pod.labels())) {
                continue;
            }
            Counter c = tally.counter(p);
            List<Integer> ports = p.getSpec().getPorts();
            if (ports != null && !ports.isEmpty() && !ports.contains(l.endpoint().port())) {
                continue;
            }
            any = true;
            c.pods.add(pod.uid());
            c.listeners++;
            TrackerKey tk = new TrackerKey(ns.key(), l.endpoint().address(), l.endpoint().port(),
                    l.endpoint().family().name(), p.getMetadata().getNamespace(), p.getMetadata().getName());
            tally.seen.add(tk);
            ListenerStateMachine machine = stateMachine(tk, p, pod, l);
            ListenerState state = machine.observe(now);
            c.count(state);
            if (state != ListenerState.OK) {
                tally.notOk.add(new EvaluatedListener(p.getMetadata().getNamespace(), p.getMetadata().getName(), pod, ns, l, state,
                        machine.since(), machine.peakDepth()));
            }
        }
        return any;
    }

    /** The listener's state machine under the policy: its own (under the spec as edited), or one taken up from the report, or new. */
    private ListenerStateMachine stateMachine(TrackerKey tk, BacklogPolicy p, PodInfo pod, ListenerFinding l) {
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
        return t.machine();
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

    /** What one evaluation gathers: each policy's counts, the listeners met, and those not OK. */
    private static final class Tally {
        final Map<String, Counter> counters = new LinkedHashMap<>();
        final Set<TrackerKey> seen = new HashSet<>();
        final List<EvaluatedListener> notOk = new ArrayList<>();
        int matched;

        Counter counter(BacklogPolicy p) {
            return counters.computeIfAbsent(key(p), k -> new Counter(p));
        }

        /** The listeners not OK, Saturated first, then the worst first; and each policy's counts. */
        Evaluation evaluation() {
            notOk.sort(Comparator.comparing((EvaluatedListener e) -> e.state() != ListenerState.Saturated)
                    .thenComparing(e -> e.listener(), ListenerFinding::worstFirst));
            List<PolicyCounts> counts = new ArrayList<>();
            counters.values().forEach(c -> counts.add(c.counts()));
            return new Evaluation(List.copyOf(notOk), List.copyOf(counts), matched);
        }
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

        void count(ListenerState state) {
            if (state == ListenerState.Warning) {
                warning++;
            } else if (state == ListenerState.Saturated) {
                saturated++;
            }
        }

        PolicyCounts counts() {
            return new PolicyCounts(policy.getMetadata().getNamespace(), policy.getMetadata().getName(), pods.size(), listeners,
                    warning, saturated);
        }
    }
}
