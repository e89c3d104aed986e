package dev.backlogsentinel.api;

import dev.backlogsentinel.api.policy.BacklogPolicySpec;
import dev.backlogsentinel.api.policy.PolicyValidation;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PolicyValidationTest {

    static BacklogPolicySpec spec(Integer warning, Integer critical, String sustainFor) {
        BacklogPolicySpec s = new BacklogPolicySpec();
        s.setWarningPercent(warning);
        s.setCriticalPercent(critical);
        s.setSustainFor(sustainFor);
        return s;
    }

    @Test
    void defaultsAreValid() {
        assertThat(PolicyValidation.problems(new BacklogPolicySpec())).isEmpty();
    }

    @Test
    void eachInvalidInputIsNamed() {
        assertThat(PolicyValidation.problems(spec(90, 70, "15s"))).singleElement().asString().contains("less than criticalPercent");
        assertThat(PolicyValidation.problems(spec(0, 90, "15s"))).singleElement().asString().contains("warningPercent must be between 1 and 100");
        assertThat(PolicyValidation.problems(spec(70, 150, "15s"))).singleElement().asString().contains("criticalPercent must be between 1 and 100");
        assertThat(PolicyValidation.problems(spec(70, 90, "soon"))).singleElement().asString().contains("sustainFor 'soon'");
        BacklogPolicySpec ports = spec(70, 90, "15s");
        ports.setPorts(List.of(8080, 0, 70000));
        assertThat(PolicyValidation.problems(ports)).hasSize(2);
        BacklogPolicySpec rate = spec(70, 90, "15s");
        rate.setOverflowsPerMinute(-1);
        assertThat(PolicyValidation.problems(rate)).hasSize(1);
        assertThat(PolicyValidation.problems(null)).containsExactly("spec is missing");
    }

    @Test
    void durations() {
        assertThat(PolicyValidation.parseDuration("15s")).isEqualTo(Duration.ofSeconds(15));
        assertThat(PolicyValidation.parseDuration("1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(PolicyValidation.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(PolicyValidation.parseDuration("1.5h")).isEqualTo(Duration.ofMinutes(90));
        assertThat(PolicyValidation.parseDuration("0")).isZero();
        assertThat(PolicyValidation.parseDuration("0s")).isZero();
        assertThatThrownBy(() -> PolicyValidation.parseDuration("soon")).isInstanceOf(IllegalArgumentException.class);
    }
}
