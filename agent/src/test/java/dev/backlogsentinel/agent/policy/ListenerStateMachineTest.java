package dev.backlogsentinel.agent.policy;

import dev.backlogsentinel.api.ListenerState;
import dev.backlogsentinel.api.policy.BacklogPolicySpec;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ListenerStateMachineTest {

    static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");

    static BacklogPolicySpec policy(String sustainFor, int overflowsPerMinute) {
        BacklogPolicySpec spec = new BacklogPolicySpec();
        spec.setSustainFor(sustainFor);
        spec.setOverflowsPerMinute(overflowsPerMinute);
        return spec;
    }

    static Observation at(int second, double usage) {
        return new Observation(T0.plusSeconds(second), (int) usage, usage, usage > 100, 0);
    }

    @Test
    void warningAndSaturatedNeedSustainFor() {
        ListenerStateMachine m = new ListenerStateMachine(policy("15s", 0));
        assertThat(m.observe(at(0, 75))).isEqualTo(ListenerState.OK);
        assertThat(m.observe(at(10, 80))).isEqualTo(ListenerState.OK);
        assertThat(m.observe(at(15, 80))).isEqualTo(ListenerState.Warning);
        assertThat(m.since()).isEqualTo(T0.plusSeconds(15));
        assertThat(m.observe(at(20, 95))).isEqualTo(ListenerState.Warning);
        assertThat(m.observe(at(34, 95))).isEqualTo(ListenerState.Warning);
        assertThat(m.observe(at(35, 96))).isEqualTo(ListenerState.Saturated);
        assertThat(m.peakDepth()).isEqualTo(96);
    }

    @Test
    void aDipBelowTheThresholdRestartsTheClock() {
        ListenerStateMachine m = new ListenerStateMachine(policy("15s", 0));
        m.observe(at(0, 80));
        m.observe(at(10, 50));
        assertThat(m.observe(at(16, 80))).isEqualTo(ListenerState.OK);
        assertThat(m.observe(at(31, 80))).isEqualTo(ListenerState.Warning);
    }

    @Test
    void aFullQueueIsSaturatedAtOnce() {
        ListenerStateMachine m = new ListenerStateMachine(policy("1m", 0));
        assertThat(m.observe(at(0, 106.3))).isEqualTo(ListenerState.Saturated);
        assertThat(m.since()).isEqualTo(T0);
    }

    @Test
    void overflowRateNearTheLimitIsSaturatedAtOnceButNotWhenTheQueueIsEmpty() {
        ListenerStateMachine near = new ListenerStateMachine(policy("1m", 1));
        assertThat(near.observe(new Observation(T0, 75, 75.0, false, 30))).isEqualTo(ListenerState.Saturated);
        ListenerStateMachine idle = new ListenerStateMachine(policy("1m", 1));
        assertThat(idle.observe(new Observation(T0, 1, 1.0, false, 30))).as("another listener's drops").isEqualTo(ListenerState.OK);
        ListenerStateMachine disabled = new ListenerStateMachine(policy("1m", 0));
        assertThat(disabled.observe(new Observation(T0, 75, 75.0, false, 30))).isEqualTo(ListenerState.OK);
    }

    @Test
    void recoveryOnlyAfterStayingBelowWarningForSustainFor() {
        ListenerStateMachine m = new ListenerStateMachine(policy("15s", 0));
        m.observe(at(0, 110));
        assertThat(m.observe(at(5, 80))).as("between warning and critical: still Saturated").isEqualTo(ListenerState.Saturated);
        assertThat(m.observe(at(10, 10))).isEqualTo(ListenerState.Saturated);
        assertThat(m.observe(at(24, 10))).isEqualTo(ListenerState.Saturated);
        assertThat(m.observe(at(25, 10))).isEqualTo(ListenerState.OK);
        assertThat(m.peakDepth()).isZero();
    }

    @Test
    void zeroSustainChangesAtOnceAndUnknownLimitsOnlyCountWhenFull() {
        ListenerStateMachine m = new ListenerStateMachine(policy("0s", 0));
        assertThat(m.observe(at(0, 71))).isEqualTo(ListenerState.Warning);
        assertThat(m.observe(at(1, 10))).isEqualTo(ListenerState.OK);
        ListenerStateMachine unknown = new ListenerStateMachine(policy("0s", 1));
        assertThat(unknown.observe(new Observation(T0, 500, null, false, 100))).isEqualTo(ListenerState.OK);
    }

    @Test
    void selectorsMatchAsTheApiServerDoes() {
        Map<String, String> web = Map.of("app", "web", "tier", "front");
        assertThat(PodSelectorMatch.matches(null, web)).isTrue();
        assertThat(PodSelectorMatch.matches(new LabelSelectorBuilder().build(), web)).isTrue();
        assertThat(PodSelectorMatch.matches(new LabelSelectorBuilder().addToMatchLabels("app", "web").build(), web)).isTrue();
        assertThat(PodSelectorMatch.matches(new LabelSelectorBuilder().addToMatchLabels("app", "api").build(), web)).isFalse();
        assertThat(PodSelectorMatch.matches(new LabelSelectorBuilder().addNewMatchExpression().withKey("tier")
                .withOperator("In").withValues("front", "edge").endMatchExpression().build(), web)).isTrue();
        assertThat(PodSelectorMatch.matches(new LabelSelectorBuilder().addNewMatchExpression().withKey("tier")
                .withOperator("NotIn").withValues("front").endMatchExpression().build(), web)).isFalse();
        assertThat(PodSelectorMatch.matches(new LabelSelectorBuilder().addNewMatchExpression().withKey("canary")
                .withOperator("DoesNotExist").endMatchExpression().build(), web)).isTrue();
        assertThat(PodSelectorMatch.matches(new LabelSelectorBuilder().addNewMatchExpression().withKey("app")
                .withOperator("Exists").endMatchExpression().build(), Map.of())).isFalse();
        assertThat(PodSelectorMatch.matches(new LabelSelectorBuilder().addNewMatchExpression().withKey("app")
                .withOperator("Bogus").endMatchExpression().build(), web)).isFalse();
    }
}
