package dev.backlogsentinel.agent.cluster;

import dev.backlogsentinel.agent.policy.PolicyEvaluator;
import dev.backlogsentinel.testing.AuditLog;
import dev.backlogsentinel.testing.ChartInstall;
import dev.backlogsentinel.testing.TestApiServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the agent's writes cost the API server, as the server's audit log records them: one request
 * per Lease renewal and one per report write, never a read before a write.
 */
class OneRequestPerWriteTest {

    @Test
    void eachRenewalAndEachReportWriteIsOneRequestAndNothingIsReadFirst() {
        String user = "system:serviceaccount:" + ChartInstall.AGENT_NAMESPACE + ":" + ChartInstall.AGENT_SERVICE_ACCOUNT;
        AuditLog audit = AuditLog.of(List.of(user));
        try (TestApiServer server = TestApiServer.start(Duration.ofHours(1), audit.flags());
                KubernetesClient agent = ChartInstall.on(server).agent().client()) {
            Instant[] now = {ReportWriterTest.T0};
            Clock clock = Clock.fixed(now[0], ZoneOffset.UTC);
            // First renewal and first write create their objects (a 404 first, then the create).
            new AgentLease(agent, ChartInstall.AGENT_NAMESPACE, "one-req", "agent-x", Duration.ofSeconds(30), clock).renew();
            ReportWriter writer = new ReportWriter(agent, "one-req", Duration.ofSeconds(5));
            PolicyEvaluator evaluator = new PolicyEvaluator();
            writer.offer(ReportWriterTest.judge(evaluator, ReportWriterTest.fullScan(now[0], 65, 0)), now[0]);

            long mark = audit.mark();
            for (int i = 1; i <= 5; i++) {
                Instant at = ReportWriterTest.T0.plusSeconds(30L * i);
                new AgentLease(agent, ChartInstall.AGENT_NAMESPACE, "one-req", "agent-x", Duration.ofSeconds(30), Clock.fixed(at, ZoneOffset.UTC))
                        .renew();
                writer.offer(ReportWriterTest.judge(evaluator, ReportWriterTest.fullScan(at, 65 + i, 1)), at);
            }
            assertThat(writer.writes()).isEqualTo(6);
            Map<String, Integer> requests = audit.since(mark).get(user);
            assertThat(requests).as("five renewals and five report writes, nothing else")
                    .containsExactlyInAnyOrderEntriesOf(Map.of("patch leases", 5, "patch nodebacklogreports/status", 5));
        }
    }
}
