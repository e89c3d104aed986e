package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.NetnsFixture;
import dev.backlogsentinel.agent.RootRequired;
import dev.backlogsentinel.agent.TestConfig;
import dev.backlogsentinel.agent.kernel.Family;
import dev.backlogsentinel.agent.kernel.ReaderChoice;
import org.junit.jupiter.api.Test;

import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Clock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The node agent's cadence on the real kernel: an idle namespace's counters are read every
 * idleCountersEvery scans and the delta spans the time between reads; a namespace with a queue is
 * read every scan; owners are left for the second scan; the command line reads everything at once.
 */
@RootRequired
class ScanCadenceTest {

    static NetnsScan in(NodeScan scan, NetnsFixture ns) throws Exception {
        long key = ns.key();
        return scan.namespaces().stream().filter(n -> n.key() == key).findFirst().orElseThrow();
    }

    static NodeScanner agent() {
        return new NodeScannerFactory(TestConfig.defaults(), Clock.systemUTC()).create(ReaderChoice.NETLINK, Path.of("/proc"),
                ScanCadence.NODE_AGENT);
    }

    @Test
    void anIdleNamespacesCountersAreReadEveryFifthScanAndABusyOnesEveryScan() throws Exception {
        try (NetnsFixture idle = NetnsFixture.create(); NetnsFixture busy = NetnsFixture.create(); NodeScanner scanner = agent()) {
            idle.fill(Family.IPv4, 8080, 16, 0);
            busy.fill(Family.IPv4, 8080, 16, 30);
            int idleReads = 0;
            int busyReads = 0;
            for (int i = 0; i < 11; i++) {
                NodeScan scan = scanner.scan();
                NetnsScan quiet = in(scan, idle);
                NetnsScan full = in(scan, busy);
                assertThat(quiet.counters()).as("shown as last read, never missing").isNotNull();
                idleReads += quiet.delta() != null ? 1 : 0;
                busyReads += full.delta() != null ? 1 : 0;
                if (quiet.delta() != null) {
                    assertThat(quiet.deltaOver()).as("the delta spans the scans since the last read").isPositive();
                }
            }
            assertThat(busyReads).as("read every scan but the first, which has no earlier reading").isEqualTo(10);
            assertThat(idleReads).as("scans 6 and 11: every %d", ScanCadence.NODE_AGENT.idleCountersEvery()).isEqualTo(2);
        }
    }

    @Test
    void theNodeAgentPlacesOwnersFromItsSecondScanTheCommandLineAtOnce() throws Exception {
        // A listener in the host's namespace held by this JVM: a socket whose owner any scan can find.
        try (ServerSocketChannel ours = ServerSocketChannel.open()) {
            ours.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 16);
            int port = ((java.net.InetSocketAddress) ours.getLocalAddress()).getPort();
            long self = ProcessHandle.current().pid();
            try (NodeScanner agent = agent(); NodeScanner cli = TestConfig.scanner(ReaderChoice.NETLINK)) {
                assertThat(ownerPid(agent.scan(), port)).as("the node agent's first scan does not look").isNull();
                assertThat(ownerPid(agent.scan(), port)).as("placed from its second scan").isEqualTo(self);
                assertThat(ownerPid(cli.scan(), port)).as("the command line places it in its first").isEqualTo(self);
            }
        }
    }

    private static Long ownerPid(NodeScan scan, int port) {
        ListenerFinding l = scan.namespaces().stream().flatMap(n -> n.listeners().stream())
                .filter(f -> f.endpoint().port() == port).findFirst().orElseThrow(() -> new AssertionError("no listener on port " + port));
        return l.owner() == null ? null : (long) l.owner().pid();
    }
}
