package dev.backlogsentinel.api;

import dev.backlogsentinel.api.policy.SaturatedListener;
import io.fabric8.kubernetes.client.utils.Serialization;
import dev.backlogsentinel.api.report.ReportedListener;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ListenerRulesTest {

    static ReportedListener reported(int port, Integer depth, Integer limit, Boolean full) {
        ReportedListener l = new ReportedListener();
        l.setPort(port);
        l.setDepth(depth);
        l.setLimit(limit);
        l.setFull(full);
        return l;
    }

    @Test
    void fullIsDepthAboveLimitAndUnknownIsNotFull() {
        assertThat(ListenerRules.full(17, 16)).isTrue();
        assertThat(ListenerRules.full(16, 16)).isFalse();
        assertThat(ListenerRules.full(1, 0)).isTrue();
        assertThat(ListenerRules.full(5, null)).isFalse();
        assertThat(ListenerRules.full(null, 16)).isFalse();
    }

    @Test
    void usageIsDepthOverLimitToOneDecimal() {
        assertThat(ListenerRules.usagePercent(17, 16)).isEqualTo(106.3);
        assertThat(ListenerRules.usagePercent(3, 0)).isEqualTo(300.0);
        assertThat(ListenerRules.usagePercent(3, null)).isNull();
    }

    @Test
    void aReportSaysWhetherItIsFullAndAnOlderAgentsReportIsJudgedByDepthAndLimit() {
        assertThat(reported(1, 16, 16, true).full()).as("the agent's word").isTrue();
        assertThat(reported(1, 17, 16, false).full()).as("the agent's word").isFalse();
        assertThat(reported(1, 17, 16, null).full()).as("an older agent: depth > limit").isTrue();
        assertThat(reported(1, 16, 16, null).full()).isFalse();
    }

    @Test
    void worstFirstIsFullThenUsageThenDepthAndUnknownUsageLast() {
        List<ReportedListener> l = new ArrayList<>(List.of(
                reported(1, 1, 100, false),
                reported(2, 17, 16, true),
                reported(3, 5, null, false),
                reported(4, 90, 100, false),
                reported(5, 180, 200, false),
                reported(6, 16, 16, true)));
        l.sort(ListenQueue.worstFirst());
        assertThat(l).extracting(ListenQueue::getPort).containsExactly(2, 6, 5, 4, 1, 3);
    }

    @Test
    void aSaturatedListenerKeepsWhatStaysTrueOfItsReportedListenerButNotItsDepth() {
        ReportedListener r = reported(8080, 17, 16, true);
        r.setAddress("0.0.0.0");
        r.setLimitedBy("backlog");
        r.setSince("2026-11-21T10:00:00Z");
        SaturatedListener s = new SaturatedListener("n1", "web-0", r);
        assertThat(s.getAddress()).isEqualTo("0.0.0.0");
        assertThat(s.getPort()).isEqualTo(8080);
        assertThat(s.getLimit()).isEqualTo(16);
        assertThat(s.getLimitedBy()).isEqualTo("backlog");
        assertThat(s.getSince()).isEqualTo("2026-11-21T10:00:00Z");
        assertThat(s).isEqualTo(new SaturatedListener("n1", "web-0", r)).isNotEqualTo(new SaturatedListener("n2", "web-0", r));
        r.setDepth(12);
        assertThat(new SaturatedListener("n1", "web-0", r)).as("a new depth is the same listed listener").isEqualTo(s);
        assertThat(Serialization.asJson(s)).doesNotContain("depth");
    }

    @Test
    void longestSaturatedFirstThenByNodePodAndPort() {
        List<SaturatedListener> l = new ArrayList<>();
        for (String[] x : new String[][] {{"n2", "b", "2026-11-21T10:00:00Z"}, {"n1", "z", "2026-11-21T09:00:00Z"},
                {"n1", "a", "2026-11-21T10:00:00Z"}, {"n3", "c", null}}) {
            ReportedListener r = reported(80, 17, 16, true);
            r.setSince(x[2]);
            l.add(new SaturatedListener(x[0], x[1], r));
        }
        l.sort(SaturatedListener.LONGEST_FIRST);
        assertThat(l).extracting(SaturatedListener::getPod).containsExactly("z", "a", "b", "c");
    }
}
