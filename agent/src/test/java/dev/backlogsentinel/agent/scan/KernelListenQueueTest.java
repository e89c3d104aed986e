package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.kernel.ReaderChoice;
import dev.backlogsentinel.agent.NetnsFixture;
import dev.backlogsentinel.agent.RootRequired;
import dev.backlogsentinel.agent.TestConfig;
import dev.backlogsentinel.agent.kernel.Endpoint;
import dev.backlogsentinel.agent.kernel.Family;
import dev.backlogsentinel.agent.kernel.ReaderKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The kernel is real: a fresh namespace, a listen(16) socket that never accepts, 30 connects
 * (KERNEL.md: the queue holds 17, the rest are dropped and counted as ListenOverflows).
 */
@RootRequired
class KernelListenQueueTest {

    static NetnsFixture netns;
    static final Endpoint V4 = new Endpoint(Family.IPv4, "127.0.0.1", 8080);
    static final Endpoint V6 = new Endpoint(Family.IPv6, "::1", 8443);

    @BeforeAll
    static void fillQueues() throws Exception {
        netns = NetnsFixture.withFullQueues();
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (netns != null) {
            netns.close();
        }
    }

    static NetnsScan namespaceOf(NodeScan scan) throws Exception {
        long key = netns.key();
        return scan.namespaces().stream().filter(n -> n.key() == key).findFirst()
                .orElseThrow(() -> new AssertionError("namespace " + netns.name() + " not found in " + scan.namespaces()));
    }

    static ListenerFinding listener(NetnsScan ns, Endpoint e) {
        return ns.listeners().stream().filter(l -> l.endpoint().equals(e)).findFirst()
                .orElseThrow(() -> new AssertionError(e + " not found in " + ns.listeners()));
    }

    @Test
    void netlinkReadsDepthSeventeenLimitSixteenFullLimitedByBacklog() throws Exception {
        try (NodeScanner scanner = TestConfig.scanner(ReaderChoice.NETLINK)) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                NetnsScan ns = namespaceOf(scanner.scan());
                for (Endpoint e : new Endpoint[] {V4, V6}) {
                    ListenerFinding l = listener(ns, e);
                    assertThat(l.depth()).as(e + " depth").isEqualTo(17);
                    assertThat(l.limit()).as(e + " limit").isEqualTo(16);
                    assertThat(l.full()).isTrue();
                    assertThat(l.limitedBy()).isEqualTo(LimitedBy.BACKLOG);
                    assertThat(l.usagePercent()).isEqualTo(106.3);
                    assertThat(l.drops()).as("the socket's own drop counter (skmem d)").isPositive();
                }
                assertThat(ns.reader()).isEqualTo(ReaderKind.NETLINK);
                assertThat(ns.somaxconn()).as("a new namespace starts at the kernel default").isEqualTo(4096);
                assertThat(ns.nsInode()).isEqualTo(netns.nsInode());
            });
            assertOverflowsRise(scanner);
        }
    }

    @Test
    void procfsReadsDepthAndOverflowsButCannotKnowTheLimit() throws Exception {
        try (NodeScanner scanner = TestConfig.scanner(ReaderChoice.PROCFS)) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                NetnsScan ns = namespaceOf(scanner.scan());
                assertThat(ns.reader()).isEqualTo(ReaderKind.PROCFS);
                for (Endpoint e : new Endpoint[] {V4, V6}) {
                    ListenerFinding l = listener(ns, e);
                    assertThat(l.depth()).isEqualTo(17);
                    assertThat(l.limit()).as("procfs cannot see another namespace's somaxconn").isNull();
                    assertThat(l.limitedBy()).isEqualTo(LimitedBy.UNKNOWN);
                }
            });
            assertOverflowsRise(scanner);
        }
    }

    @Test
    void autoPicksNetlinkWhenPermitted() {
        try (NodeScanner scanner = TestConfig.scanner(ReaderChoice.AUTO)) {
            NodeScan scan = scanner.scan();
            assertThat(scan.reader()).isEqualTo("netlink");
            assertThat(scan.readerNote()).isNull();
        }
    }

    /** Retransmitted SYNs keep being dropped: the cumulative counter climbs between scans. */
    private static void assertOverflowsRise(NodeScanner scanner) throws Exception {
        long first = namespaceOf(scanner.scan()).counters().listenOverflows();
        assertThat(first).as("13 connects refused at least once each").isGreaterThanOrEqualTo(13);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            NetnsScan ns = namespaceOf(scanner.scan());
            assertThat(ns.counters().listenOverflows()).isGreaterThan(first);
            assertThat(ns.counters().listenDrops()).isGreaterThanOrEqualTo(ns.counters().listenOverflows());
            assertThat(ns.delta()).isNotNull();
        });
    }

    @Test
    void somaxconnOfTheNamespaceCapsTheLimit() throws Exception {
        try (NetnsFixture small = NetnsFixture.create(); NodeScanner scanner = TestConfig.scanner(ReaderChoice.NETLINK)) {
            small.sysctl("net.core.somaxconn", "8");
            small.fill(Family.IPv4, 9090, 16, 12);
            long key = small.key();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                NetnsScan ns = scanner.scan().namespaces().stream().filter(n -> n.key() == key).findFirst().orElseThrow();
                assertThat(ns.somaxconn()).isEqualTo(8);
                ListenerFinding l = listener(ns, new Endpoint(Family.IPv4, "127.0.0.1", 9090));
                assertThat(l.limit()).isEqualTo(8);
                assertThat(l.depth()).isEqualTo(9);
                assertThat(l.full()).isTrue();
                assertThat(l.limitedBy()).isEqualTo(LimitedBy.SOMAXCONN);
            });
        }
    }

    @Test
    void aListenerThatGoesAwayLeavesTheNextScanAndTheNamespaceWithIt() throws Exception {
        try (NodeScanner scanner = TestConfig.scanner(ReaderChoice.NETLINK)) {
            NetnsFixture gone = NetnsFixture.create();
            long key = gone.key();
            gone.fill(Family.IPv4, 7070, 4, 0);
            assertThat(scanner.scan().namespaces()).anyMatch(n -> n.key() == key && n.listeners().size() == 1);
            gone.closeSockets();
            assertThat(scanner.scan().namespaces()).anyMatch(n -> n.key() == key && n.listeners().isEmpty());
            gone.close();
            assertThat(scanner.scan().namespaces()).noneMatch(n -> n.key() == key);
        }
    }
}
