package dev.backlogsentinel.charts;

import dev.backlogsentinel.api.ListenerState;
import dev.backlogsentinel.api.advice.Server;
import dev.backlogsentinel.api.report.ListenerProcess;
import dev.backlogsentinel.api.report.NetnsSysctls;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.api.report.NodeBacklogReportStatus;
import dev.backlogsentinel.api.report.PodRef;
import dev.backlogsentinel.api.report.ReportedListener;
import dev.backlogsentinel.testing.ChartInstall;
import dev.backlogsentinel.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The committed NodeBacklogReport CRD as a real API server applies it: a structural schema prunes
 * every field it does not declare, so a report written with all fields, the holder process and the
 * namespace's sysctls included, must read back unchanged.
 */
class ReportSchemaTest {

    static ReportedListener listener() {
        ReportedListener l = new ReportedListener();
        l.setPolicy("web");
        l.setPod(new PodRef("shop", "web-0", "6c1f3f0e-1111-4c4c-8a8a-000000000001"));
        l.setNetns(4026532177L);
        l.setFamily("IPv6");
        l.setAddress("fd00:1234:5678:9abc:def0:1234:5678:9abc");
        l.setPort(8080);
        l.setState(ListenerState.Saturated);
        l.setSince("2026-11-25T16:09:36Z");
        l.setDepth(512);
        l.setPeakDepth(512);
        l.setLimit(511);
        l.setLimitedBy("backlog");
        l.setSynRecv(511);
        l.setOverflowsTotal(78L);
        l.setDropsTotal(80L);
        l.setProcess(new ListenerProcess(812, "nginx", "a".repeat(64), "web", Server.NGINX.id(), 4));
        l.setSysctls(new NetnsSysctls(4096, 0, 1, 1024));
        l.setReqQFullDropTotal(9_000_000_000L);
        l.setFull(true);
        return l;
    }

    @Test
    void aReportWithTheHolderAndTheNamespaceKnobsReadsBackWhole() {
        TestApiServer server = TestApiServer.shared();
        ChartInstall.on(server);
        try (KubernetesClient admin = server.admin()) {
            var reports = admin.resources(NodeBacklogReport.class);
            String node = "schema-node";
            if (reports.withName(node).get() == null) {
                NodeBacklogReport fresh = new NodeBacklogReport();
                fresh.setMetadata(new ObjectMetaBuilder().withName(node).build());
                reports.resource(fresh).create();
            }
            NodeBacklogReportStatus status = new NodeBacklogReportStatus();
            status.setAgentVersion("test");
            status.setReader("netlink");
            status.setUpdatedAt("2026-11-25T16:09:37Z");
            status.setListeners(List.of(listener()));
            reports.withName(node).subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE),
                    Serialization.asJson(Map.of("status", status)));

            ReportedListener back = reports.withName(node).get().getStatus().getListeners().getFirst();
            assertThat(back).isEqualTo(listener());
            assertThat(back.getProcess().getServer()).isEqualTo("nginx");
            assertThat(back.getProcess().getHolders()).isEqualTo(4);
            assertThat(back.getSysctls().getTcpAbortOnOverflow()).isEqualTo(1);
            assertThat(back.getSysctls().getTcpSyncookies()).isZero();
            assertThat(back.getReqQFullDropTotal()).isEqualTo(9_000_000_000L);

            // And as stored, not through the model (which would ignore what it does not know either).
            GenericKubernetesResource raw = admin.genericKubernetesResources("backlogsentinel.dev/v1alpha1", "NodeBacklogReport")
                    .withName(node).get();
            @SuppressWarnings("unchecked")
            Map<String, Object> stored = ((List<Map<String, Object>>) ((Map<String, Object>) raw.getAdditionalProperties()
                    .get("status")).get("listeners")).getFirst();
            assertThat(stored).containsKeys("process", "sysctls", "reqQFullDropTotal", "full");
            assertThat((Map<String, Object>) stored.get("process")).containsOnlyKeys("pid", "command", "containerId",
                    "container", "server", "holders");
            assertThat((Map<String, Object>) stored.get("sysctls")).containsOnlyKeys("somaxconn", "tcpSyncookies",
                    "tcpAbortOnOverflow", "tcpMaxSynBacklog");
        }
    }
}
