package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.kernel.Endpoint;
import dev.backlogsentinel.agent.kernel.Family;
import dev.backlogsentinel.agent.kernel.ListenerSample;
import dev.backlogsentinel.agent.kernel.ReaderKind;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ListenerFindingTest {

    static final Endpoint E = new Endpoint(Family.IPv4, "0.0.0.0", 8080);

    @Test
    void fullIsTheKernelsTestDepthAboveLimit() {
        assertThat(ListenerFinding.of(E, 1, 16, 16, LimitedBy.BACKLOG, 0, null).full()).isFalse();
        ListenerFinding full = ListenerFinding.of(E, 1, 17, 16, LimitedBy.BACKLOG, 0, null);
        assertThat(full.full()).isTrue();
        assertThat(full.usagePercent()).as("shown as the kernel has it").isEqualTo(106.3);
    }

    @Test
    void listenZeroHoldsOneConnection() {
        ListenerFinding f = ListenerFinding.of(E, 1, 1, 0, LimitedBy.BACKLOG, 0, null);
        assertThat(f.full()).isTrue();
        assertThat(f.usagePercent()).isEqualTo(100.0);
    }

    @Test
    void whichKnobLimits() {
        assertThat(LimitedBy.of(16, 4096)).isEqualTo(LimitedBy.BACKLOG);
        assertThat(LimitedBy.of(8, 8)).isEqualTo(LimitedBy.SOMAXCONN);
        assertThat(LimitedBy.of(4096, 128)).as("somaxconn lowered after listen()").isEqualTo(LimitedBy.UNKNOWN);
        assertThat(LimitedBy.of(16, null)).isEqualTo(LimitedBy.UNKNOWN);
    }

    @Test
    void procfsUsesSomaxconnAsAnUpperBoundAndSaysUnknown() {
        ListenerSample s = new ListenerSample(E, 1, 5000, null, null);
        ListenerFinding f = ListenerFinding.from(ReaderKind.PROCFS, s, 4096, 0, null);
        assertThat(f.limit()).isEqualTo(4096);
        assertThat(f.limitedBy()).isEqualTo(LimitedBy.UNKNOWN);
        assertThat(f.full()).as("depth above the upper bound is above the real limit too").isTrue();
        ListenerFinding unknown = ListenerFinding.from(ReaderKind.PROCFS, new ListenerSample(E, 1, 17, null, null), null, 0, null);
        assertThat(unknown.limit()).isNull();
        assertThat(unknown.usagePercent()).isNull();
        assertThat(unknown.full()).isFalse();
    }

    @Test
    void netlinkTakesTheSocketsOwnLimit() {
        ListenerFinding f = ListenerFinding.from(ReaderKind.NETLINK, new ListenerSample(E, 1, 9, 8, 42L), 8, 3, null);
        assertThat(f.limit()).isEqualTo(8);
        assertThat(f.limitedBy()).isEqualTo(LimitedBy.SOMAXCONN);
        assertThat(f.drops()).isEqualTo(42L);
        assertThat(f.synRecv()).isEqualTo(3);
    }

    @Test
    void worstFirst() {
        List<ListenerFinding> l = new ArrayList<>(List.of(
                ListenerFinding.of(E, 1, 1, 100, LimitedBy.BACKLOG, 0, null),
                ListenerFinding.of(E, 2, 17, 16, LimitedBy.BACKLOG, 0, null),
                ListenerFinding.of(E, 3, 5, null, LimitedBy.UNKNOWN, 0, null),
                ListenerFinding.of(E, 4, 90, 100, LimitedBy.BACKLOG, 0, null)));
        l.sort(ListenerFinding::worstFirst);
        assertThat(l).extracting(ListenerFinding::inode).containsExactly(2L, 4L, 1L, 3L);
    }
}
