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
        try (NetnsFixture ns = NetnsFixture.create()) {
            ServerSocketChannel listener = ns.fill(Family.IPv4, 8080, 16, 0);
            try (NodeScanner agent = agent(); NodeScanner cli = TestConfig.scanner(ReaderChoice.NETLINK)) {
                // The fixture's socket is held by this JVM, in the host's namespace: no process of the
                // namespace holds it, so what differs is whether a search was made, seen through the host's own.
                NetnsScan hostFirst = in(agent.scan(), ns);
                assertThat(hostFirst.listeners()).allSatisfy(l -> assertThat(l.owner()).isNull());
                assertThat(agent.scan().namespaces().stream().flatMap(n -> n.listeners().stream()).anyMatch(l -> l.owner() != null))
                        .as("owners placed from the second scan").isTrue();
                assertThat(cli.scan().namespaces().stream().flatMap(n -> n.listeners().stream()).anyMatch(l -> l.owner() != null))
                        .as("the command line places them in its first").isTrue();
            } finally {
                listener.close();
            }
        }
    }
}
