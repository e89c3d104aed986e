package dev.backlogsentinel.agent.policy;

import dev.backlogsentinel.agent.attribution.PodInfo;
import dev.backlogsentinel.agent.attribution.NetnsAttribution;
import dev.backlogsentinel.agent.kernel.Endpoint;
import dev.backlogsentinel.agent.kernel.Family;
import dev.backlogsentinel.agent.kernel.NetnsCounters;
import dev.backlogsentinel.agent.kernel.NetnsKnobs;
import dev.backlogsentinel.agent.kernel.ReaderKind;
import dev.backlogsentinel.agent.scan.PodLookup;
import dev.backlogsentinel.agent.scan.LimitedBy;
import dev.backlogsentinel.agent.scan.ListenerFinding;
import dev.backlogsentinel.agent.scan.NetnsScan;
import dev.backlogsentinel.agent.scan.NodeScan;
import dev.backlogsentinel.agent.kernel.ScanErrors;
import dev.backlogsentinel.api.ListenerState;
import dev.backlogsentinel.api.policy.BacklogPolicy;
import dev.backlogsentinel.api.policy.BacklogPolicySpec;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

class PolicyEvaluatorTest {

    static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");
    static final PodInfo WEB = new PodInfo("shop", "web-0", "uid-web", Map.of("app", "web"), false);
    static final PodInfo API = new PodInfo("shop", "api-0", "uid-api", Map.of("app", "api"), false);

    static BacklogPolicy policy(String name, Consumer<BacklogPolicySpec> tweak) {
        BacklogPolicy p = new BacklogPolicy();
        p.setMetadata(new ObjectMetaBuilder().withNamespace("shop").withName(name).withUid("uid-" + name).withGeneration(1L).build());
        BacklogPolicySpec spec = new BacklogPolicySpec();
        spec.setSustainFor("0s");
        tweak.accept(spec);
        p.setSpec(spec);
        return p;
    }

    static NetnsScan netns(long key, long overflows, Long deltaOverflows, ListenerFinding... listeners) {
        return netns(key, overflows, deltaOverflows, 10, listeners);
    }

    /** @param deltaSeconds the time the counters' delta spans (the scans between two reads) */
    static NetnsScan netns(long key, long overflows, Long deltaOverflows, int deltaSeconds, ListenerFinding... listeners) {
        NetnsCounters c = new NetnsCounters(overflows, overflows, 0, 0, 0);
        NetnsCounters d = deltaOverflows == null ? null : new NetnsCounters(deltaOverflows, deltaOverflows, 0, 0, 0);
        return new NetnsScan(key, key, ReaderKind.NETLINK, new NetnsAttribution(NetnsAttribution.Kind.POD, "uid", List.of(), null, null),
                List.of(1), new NetnsKnobs(4096, 1, 0, 512), c, d, d == null ? null : Duration.ofSeconds(deltaSeconds), List.of(listeners));
    }

    static ListenerFinding listener(int port, int depth, int limit) {
        return ListenerFinding.of(new Endpoint(Family.IPv4, "0.0.0.0", port), port, depth, limit, LimitedBy.BACKLOG, 0, null);
    }

    static NodeScan scan(int second, NetnsScan... namespaces) {
        return new NodeScan(T0.plusSeconds(second), Duration.ofMillis(2), "netlink", null, List.of(namespaces), new ScanErrors());
    }

    @Test
    void eachPolicyCountsItsListenersAndTheReportListsNonOkOncePerPolicy() {
        PolicyEvaluator evaluator = new PolicyEvaluator();
        BacklogPolicy all = policy("all", s -> { });
        BacklogPolicy webOnly = policy("web-8080", s -> {
            s.setPodSelector(new LabelSelectorBuilder().addToMatchLabels("app", "web").build());
            s.setPorts(List.of(8080));
        });
        BacklogPolicy strict = policy("strict", s -> {
            s.setWarningPercent(10);
            s.setCriticalPercent(20);
        });
        NodeScan scan = scan(0,
                netns(1, 0, null, listener(8080, 50, 100), listener(9090, 1, 100)),
                netns(2, 0, null, listener(7000, 95, 100)));
        Map<Long, PodInfo> podByNetns = Map.of(1L, WEB, 2L, API);
        Evaluation e = evaluator.evaluate(scan, List.of(WEB, API), ns -> l -> podByNetns.get(ns.key()), List.of(all, webOnly, strict));

        assertThat(e.matched()).isEqualTo(3);
        assertThat(e.policies()).extracting(PolicyCounts::name, PolicyCounts::matchedPods, PolicyCounts::listeners,
                PolicyCounts::warning, PolicyCounts::saturated).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("all", 2, 3, 0, 1),
                org.assertj.core.groups.Tuple.tuple("web-8080", 1, 1, 0, 0),
                org.assertj.core.groups.Tuple.tuple("strict", 2, 3, 0, 2));
        assertThat(e.notOk()).extracting(EvaluatedListener::policyName, l -> l.listener().endpoint().port(), EvaluatedListener::state)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("all", 7000, ListenerState.Saturated),
                        org.assertj.core.groups.Tuple.tuple("strict", 7000, ListenerState.Saturated),
                        org.assertj.core.groups.Tuple.tuple("strict", 8080, ListenerState.Saturated));
        assertThat(e.notOk().getFirst().listener().endpoint().port()).as("worst first").isEqualTo(7000);
    }

    @Test
    void invalidPoliciesAndOtherNamespacesAndUnknownPodsCountNothing() {
        BacklogPolicy invalid = policy("inverted", s -> {
            s.setWarningPercent(95);
            s.setCriticalPercent(90);
        });
        BacklogPolicy elsewhere = policy("other", s -> { });
        elsewhere.getMetadata().setNamespace("other");
        Evaluation e = new PolicyEvaluator().evaluate(scan(0, netns(1, 0, null, listener(8080, 200, 100))), List.of(WEB),
                ns -> l -> ns.key() == 1 ? WEB : null, List.of(invalid, elsewhere));
        assertThat(e.notOk()).isEmpty();
        assertThat(e.policies()).isEmpty();
        Evaluation none = new PolicyEvaluator().evaluate(scan(0, netns(1, 0, null, listener(8080, 200, 100))), List.of(),
                ns -> l -> null, List.of(policy("all", s -> { })));
        assertThat(none.matched()).isZero();
    }

    @Test
    void statesPersistAcrossScansAndOverflowRateComesFromCounterDeltas() {
        PolicyEvaluator evaluator = new PolicyEvaluator();
        BacklogPolicy p = policy("p", s -> {
            s.setSustainFor("10s");
            s.setOverflowsPerMinute(6);
        });
        PodLookup pods = ns -> l -> WEB;
        assertThat(evaluator.evaluate(scan(0, netns(1, 0, null, listener(80, 75, 100))), List.of(WEB), pods, List.of(p)).notOk()).isEmpty();
        // 2 overflows in 30 s = 4/min: below 6/min.
        assertThat(evaluator.evaluate(scan(30, netns(1, 2, 2L, 30, listener(80, 75, 100))), List.of(WEB), pods, List.of(p)).notOk())
                .singleElement().satisfies(l -> assertThat(l.state()).isEqualTo(ListenerState.Warning));
        // 5 more in 10 s = 30/min while at 75%: Saturated at once, since this scan.
        Evaluation e = evaluator.evaluate(scan(40, netns(1, 7, 5L, 10, listener(80, 80, 100))), List.of(WEB), pods, List.of(p));
        assertThat(e.notOk()).singleElement().satisfies(l -> {
            assertThat(l.state()).isEqualTo(ListenerState.Saturated);
            assertThat(l.since()).isEqualTo(T0.plusSeconds(40));
            assertThat(l.peakDepth()).isEqualTo(80);
        });
        // The listener goes away: its state goes with it.
        evaluator.evaluate(scan(50, netns(1, 7, 0L)), List.of(WEB), pods, List.of(p));
        assertThat(evaluator.evaluate(scan(60, netns(1, 7, 0L, listener(80, 75, 100))), List.of(WEB), pods, List.of(p)).notOk())
                .as("a new listener starts at OK").isEmpty();
    }

    private static final PodLookup ALL_WEB =
            ns -> l -> WEB;

    @Test
    void aPolicyEditThatLeavesTheListenerSaturatedChangesNothingItDoesNotSay() {
        PolicyEvaluator evaluator = new PolicyEvaluator();
        BacklogPolicy v1 = policy("p", s -> s.setWarningPercent(70));
        Evaluation before = evaluator.evaluate(scan(0, netns(1, 0, null, listener(80, 17, 16))), List.of(WEB), ALL_WEB, List.of(v1));
        assertThat(before.notOk()).singleElement().satisfies(l -> assertThat(l.since()).isEqualTo(T0));

        BacklogPolicy v2 = policy("p", s -> s.setWarningPercent(75));
        v2.getMetadata().setGeneration(2L);
        Evaluation after = evaluator.evaluate(scan(2, netns(1, 0, null, listener(80, 17, 16))), List.of(WEB), ALL_WEB, List.of(v2));
        assertThat(after.notOk()).singleElement().satisfies(l -> {
            assertThat(l.state()).isEqualTo(ListenerState.Saturated);
            assertThat(l.since()).as("the same saturation, not a new one").isEqualTo(T0);
            assertThat(l.peakDepth()).isEqualTo(17);
        });
    }

    @Test
    void anEditsNewThresholdsAndSustainForApplyFromTheNextScan() {
        PolicyEvaluator evaluator = new PolicyEvaluator();
        BacklogPolicy v1 = policy("p", s -> s.setSustainFor("60s"));
        evaluator.evaluate(scan(0, netns(1, 0, null, listener(80, 95, 100))), List.of(WEB), ALL_WEB, List.of(v1));
        assertThat(evaluator.evaluate(scan(10, netns(1, 0, null, listener(80, 95, 100))), List.of(WEB), ALL_WEB, List.of(v1)).notOk())
                .as("95% for 10 s of the 60 s it must last").isEmpty();
        BacklogPolicy v2 = policy("p", s -> s.setSustainFor("5s"));
        v2.getMetadata().setGeneration(2L);
        Evaluation e = evaluator.evaluate(scan(12, netns(1, 0, null, listener(80, 95, 100))), List.of(WEB), ALL_WEB, List.of(v2));
        assertThat(e.notOk()).as("above critical since 0 s, which the new 5 s counts").singleElement()
                .satisfies(l -> assertThat(l.state()).isEqualTo(ListenerState.Saturated));
    }

    @Test
    void anAgentThatStartsTakesUpTheStateItsReportHoldsForTheSameListener() {
        PolicyEvaluator restarted = new PolicyEvaluator();
        Instant since = T0.minusSeconds(300);
        restarted.resume(List.of(new PolicyEvaluator.Resumed("shop", "p", "uid-web", "IPv4", "0.0.0.0", 80, ListenerState.Saturated,
                since, 17)));
        // The namespace's key is this agent's own (a new number): the listener is known by its pod.
        Evaluation e = restarted.evaluate(scan(0, netns(42, 0, null, listener(80, 17, 16))), List.of(WEB), ALL_WEB,
                List.of(policy("p", s -> { })));
        assertThat(e.notOk()).singleElement().satisfies(l -> {
            assertThat(l.state()).isEqualTo(ListenerState.Saturated);
            assertThat(l.since()).isEqualTo(since);
            assertThat(l.peakDepth()).isEqualTo(17);
        });
    }

    @Test
    void aTakenUpSaturationWhoseQueueDrainedMeanwhileRecoversAsAnyOther() {
        PolicyEvaluator restarted = new PolicyEvaluator();
        restarted.resume(List.of(new PolicyEvaluator.Resumed("shop", "p", "uid-web", "IPv4", "0.0.0.0", 80, ListenerState.Saturated,
                T0.minusSeconds(300), 17)));
        BacklogPolicy p = policy("p", s -> s.setSustainFor("10s"));
        assertThat(restarted.evaluate(scan(0, netns(1, 0, null, listener(80, 1, 16))), List.of(WEB), ALL_WEB, List.of(p)).notOk())
                .as("below warning for less than sustainFor: still saturated").singleElement()
                .satisfies(l -> assertThat(l.since()).isEqualTo(T0.minusSeconds(300)));
        assertThat(restarted.evaluate(scan(10, netns(1, 0, null, listener(80, 1, 16))), List.of(WEB), ALL_WEB, List.of(p)).notOk())
                .as("then it recovers").isEmpty();
    }

    @Test
    void aStateTheFirstJudgementDoesNotMeetIsDropped() {
        PolicyEvaluator restarted = new PolicyEvaluator();
        restarted.resume(List.of(
                new PolicyEvaluator.Resumed("shop", "p", "uid-web", "IPv4", "0.0.0.0", 9090, ListenerState.Saturated, T0.minusSeconds(300), 9),
                new PolicyEvaluator.Resumed("shop", "p", "uid-other-pod", "IPv4", "0.0.0.0", 80, ListenerState.Saturated,
                        T0.minusSeconds(300), 9)));
        BacklogPolicy p = policy("p", s -> { });
        Evaluation first = restarted.evaluate(scan(0, netns(1, 0, null, listener(80, 17, 16))), List.of(WEB), ALL_WEB, List.of(p));
        assertThat(first.notOk()).singleElement().satisfies(l -> assertThat(l.since()).as("another pod's state is not this one's")
                .isEqualTo(T0));
        Evaluation later = restarted.evaluate(scan(2, netns(1, 0, null, listener(80, 17, 16), listener(9090, 17, 16))), List.of(WEB),
                ALL_WEB, List.of(p));
        assertThat(later.notOk()).filteredOn(l -> l.listener().endpoint().port() == 9090).singleElement()
                .satisfies(l -> assertThat(l.since()).as("a listener that came back later is new").isEqualTo(T0.plusSeconds(2)));
    }
}
