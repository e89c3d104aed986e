package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.kernel.Endpoint;
import dev.backlogsentinel.agent.kernel.Family;
import dev.backlogsentinel.agent.kernel.ListenerSample;
import dev.backlogsentinel.agent.kernel.NetnsCounters;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** SYN_RECV is counted when its counters move, a queue nears its limit, or (command line) at first sight. */
class SynRecvTriggerTest {

    static final Endpoint E = new Endpoint(Family.IPv4, "0.0.0.0", 8080);

    static List<ListenerSample> depth(long depth, Integer limit) {
        return List.of(new ListenerSample(E, 1, depth, limit, null));
    }

    @Test
    void theNodeAgentCountsOnlyWhenTheQueuesOrCountersCallForIt() {
        SynRecvTrigger agent = new SynRecvTrigger(50, ScanCadence.NODE_AGENT);
        assertThat(agent.due(false, null, depth(0, 128), 4096)).as("not at first sight").isFalse();
        assertThat(agent.due(true, null, depth(63, 128), 4096)).isFalse();
        assertThat(agent.due(true, null, depth(64, 128), 4096)).as("at 50% of its own limit").isTrue();
        assertThat(agent.due(true, null, depth(2048, null), 4096)).as("procfs: somaxconn stands in for the limit").isTrue();
        assertThat(agent.due(true, null, depth(2047, null), 4096)).isFalse();
        assertThat(agent.due(true, null, depth(5, null), null)).as("no limit known at all").isFalse();
        assertThat(agent.due(true, new NetnsCounters(9, 9, 0, 0, 0), depth(0, 128), 4096)).as("overflows alone are the accept queue's").isFalse();
        assertThat(agent.due(true, new NetnsCounters(0, 0, 1, 0, 0), depth(0, 128), 4096)).as("a SYN-queue drop").isTrue();
        assertThat(agent.due(true, new NetnsCounters(0, 0, 0, 0, 1), depth(0, 128), 4096)).as("a cookie sent").isTrue();
    }

    @Test
    void theCommandLineCountsAtFirstSight() {
        SynRecvTrigger cli = new SynRecvTrigger(50, ScanCadence.COMMAND_LINE);
        assertThat(cli.due(false, null, depth(0, 128), 4096)).isTrue();
        assertThat(cli.due(true, null, depth(0, 128), 4096)).isFalse();
    }

    @Test
    void aZeroLimitCountsAsOne() {
        assertThat(new SynRecvTrigger(50, ScanCadence.NODE_AGENT).due(true, null, depth(1, 0), 4096)).isTrue();
    }
}
