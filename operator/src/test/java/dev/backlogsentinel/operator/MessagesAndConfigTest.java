package dev.backlogsentinel.operator;

import dev.backlogsentinel.testing.Cluster;
import dev.backlogsentinel.api.report.ReportedListener;
import dev.backlogsentinel.operator.events.FindingMessages;
import dev.backlogsentinel.operator.node.NodePressure;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MessagesAndConfigTest {

    static ReportedListener listener(int i, String limitedBy) {
        return Cluster.saturated("p", "namespace-" + "x".repeat(50), "pod-" + i + "-" + "y".repeat(60), "uid-" + i,
                8000 + i, 100 + i, 100, limitedBy, "2026-11-21T10:00:00Z", 5);
    }

    @Test
    void messagesFitKubectlDescribe() {
        List<ReportedListener> many = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            many.add(listener(i, i % 2 == 0 ? "backlog" : "somaxconn"));
        }
        many.sort(NodePressure.LONGEST_FIRST);
        String condition = FindingMessages.condition(many, 3);
        assertThat(condition).startsWith("50 listen queues are saturated: ").contains("and 47 more");
        assertThat(condition.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThanOrEqualTo(1024);
        assertThat(FindingMessages.condition(many, 50).getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThanOrEqualTo(1024);
        for (ReportedListener l : many) {
            assertThat(FindingMessages.saturated(l).length()).isLessThanOrEqualTo(1024);
            assertThat(FindingMessages.overflow(l).length()).isLessThanOrEqualTo(1024);
        }
        assertThat(condition).as("no depth: the condition moves only when what is Saturated does").doesNotContain("/100");
    }

    @Test
    void eachKnobHasItsAdvice() {
        assertThat(FindingMessages.knob(listener(1, "backlog"))).contains("listen() backlog").contains("raise the backlog");
        assertThat(FindingMessages.knob(listener(1, "somaxconn"))).contains("securityContext.sysctls").contains("net.core.somaxconn");
        assertThat(FindingMessages.knob(listener(1, "unknown"))).contains("unknown");
    }

    @Test
    void leaderElectionUsesItsLeaseInTheOperatorNamespace() {
        var election = new dev.backlogsentinel.operator.config.OperatorLeaderElection(
                new dev.backlogsentinel.operator.config.OperatorNamespace("ops", "ops-agent"));
        assertThat(election.getLeaseName()).isEqualTo("backlog-sentinel-operator");
        assertThat(election.getLeaseNamespace()).contains("ops");
    }
}
