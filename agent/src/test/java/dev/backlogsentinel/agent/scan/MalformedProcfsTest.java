package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.kernel.ScanErrors;
import dev.backlogsentinel.agent.kernel.ReaderChoice;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.backlogsentinel.agent.ProcfsLines;
import dev.backlogsentinel.agent.TestConfig;
import dev.backlogsentinel.agent.attribution.NetnsAttribution;
import dev.backlogsentinel.agent.local.ListenerTable;
import dev.backlogsentinel.agent.local.LocalReport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fake procfs root with one good namespace and several broken ones: each fault is counted, and
 * everything that can be read still is.
 */
class MalformedProcfsTest {

    static final String HEADER = ProcfsLines.HEADER + "\n";
    static final String LISTEN_8080 = ProcfsLines.LISTEN_8080 + "\n";
    static final String LISTEN_80 = ProcfsLines.LISTEN_80.replace("00000000:00000000 00:", "00000000:00000002 00:") + "\n";
    static final String NETSTAT = "TcpExt: SyncookiesSent ListenOverflows ListenDrops TCPReqQFullDoCookies TCPReqQFullDrop\nTcpExt: 0 65 65 4 0\n";
    static final String UID = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";
    static final String CID = "4f1c2b0e9a8d7c6b5a493827161504f3e2d1c0b9a8f7e6d5c4b3a29180716253";

    @TempDir
    Path root;

    @BeforeEach
    void layOut() throws IOException {
        // 100 and 101: one healthy pod namespace (101's net is the same directory, as for two containers).
        pid(100, HEADER + LISTEN_8080, NETSTAT, "0::/kubepods/burstable/pod" + UID + "/" + CID + "\n");
        Files.createDirectories(root.resolve("101"));
        Files.createSymbolicLink(root.resolve("101/net"), root.resolve("100/net"));
        Files.writeString(root.resolve("101/cgroup"), "0::/kubepods/burstable/pod" + UID + "/" + CID.replace('4', '5') + "\n");
        // 200: garbage and truncated lines around a good listener; netstat cut mid-pair; unknown cgroup layout.
        pid(200, HEADER + "garbage\n\u0000\u0001\u0002\n" + LISTEN_80.substring(0, 50) + "\n" + LISTEN_80 + "   9: ZZZZ",
                "TcpExt: ListenOverflows ListenDrops\n", "0::/kubepods/some-future-layout/x\n");
        // 300: a listener, then megabytes with no newline.
        pid(300, HEADER + LISTEN_8080 + "x".repeat(3 << 20), NETSTAT, "0::/system.slice/foo.service\n");
        // 400: a process that exited between listing and reading.
        Files.createDirectories(root.resolve("400"));
        // 500: netstat missing.
        pid(500, HEADER + LISTEN_80, NETSTAT, "0::/\n");
        Files.delete(root.resolve("500/net/netstat"));
        // 600: empty files.
        pid(600, "", "", "");
        // Not processes: ignored.
        Files.createDirectories(root.resolve("sys"));
        Files.writeString(root.resolve("uptime"), "1 2\n");
    }

    private void pid(int pid, String tcp, String netstat, String cgroup) throws IOException {
        Path net = Files.createDirectories(root.resolve(pid + "/net"));
        Files.writeString(net.resolve("tcp"), tcp);
        Files.writeString(net.resolve("tcp6"), tcp.isEmpty() ? "" : ProcfsLines.HEADER_V6 + "\n");
        Files.writeString(net.resolve("netstat"), netstat);
        Files.writeString(root.resolve(pid + "/cgroup"), cgroup);
    }

    private NetnsScan byPid(NodeScan scan, int pid) {
        return scan.namespaces().stream().filter(n -> n.pids().contains(pid)).findFirst()
                .orElseThrow(() -> new AssertionError("no namespace with pid " + pid));
    }

    @Test
    void eachFaultIsCountedAndTheRestOfTheScanIsIntact() throws Exception {
        try (NodeScanner scanner = TestConfig.scanner(ReaderChoice.PROCFS, root, 1 << 20)) {
            NodeScan scan = scanner.scan();

            NetnsScan pod = byPid(scan, 100);
            assertThat(pod.pids()).containsExactly(100, 101);
            assertThat(pod.attribution().kind()).isEqualTo(NetnsAttribution.Kind.POD);
            assertThat(pod.attribution().podUid()).isEqualTo(UID);
            assertThat(pod.attribution().containerIds()).hasSize(2);
            assertThat(pod.listeners()).singleElement().satisfies(l -> assertThat(l.depth()).isEqualTo(17));
            assertThat(pod.counters().listenOverflows()).isEqualTo(65);
            assertThat(pod.counters().reqQFullDoCookies()).isEqualTo(4);

            NetnsScan garbled = byPid(scan, 200);
            assertThat(garbled.listeners()).singleElement().satisfies(l -> assertThat(l.endpoint().port()).isEqualTo(80));
            assertThat(garbled.attribution().kind()).isEqualTo(NetnsAttribution.Kind.UNRECOGNISED);
            assertThat(garbled.counters()).as("a half pair is not a value: unknown, never zero").isNull();

            assertThat(byPid(scan, 300).listeners()).hasSize(1);
            NetnsScan noCounters = byPid(scan, 500);
            assertThat(noCounters.listeners()).hasSize(1);
            assertThat(noCounters.counters()).isNull();
            assertThat(byPid(scan, 600).listeners()).isEmpty();
            assertThat(scan.namespaces()).hasSize(5);

            ScanErrors errors = scan.errors();
            assertThat(errors.count(ScanErrors.Kind.MALFORMED)).as("garbage, binary, truncated, bad hex, half pair")
                    .isGreaterThanOrEqualTo(5);
            assertThat(errors.count(ScanErrors.Kind.OVERSIZED)).as("listeners and SYN_RECV passes each hit the cap").isPositive();
            assertThat(errors.count(ScanErrors.Kind.VANISHED)).isEqualTo(1);
            assertThat(errors.count(ScanErrors.Kind.MISSING)).isEqualTo(1);
            assertThat(errors.firstMessages().get(ScanErrors.Kind.MALFORMED)).isNotBlank();

            // What the user sees renders with the gaps, rather than failing on them.
            String json = new ObjectMapper().writeValueAsString(LocalReport.of(scan));
            assertThat(json).contains("\"counters\":null").contains("\"malformed\":");
            assertThat(ListenerTable.render(scan, 50)).contains("scan errors:").contains("127.0.0.1:8080");
        }
    }

    @Test
    void eachErrorSaysWhichFileAndWhichNamespace() throws Exception {
        try (NodeScanner scanner = TestConfig.scanner(ReaderChoice.PROCFS, root, 1 << 20)) {
            NodeScan scan = scanner.scan();
            NetnsScan garbled = byPid(scan, 200);
            String tcp = root.resolve("200/net/tcp").toString();

            LocalReport report = LocalReport.of(scan);
            assertThat(report.errorDetails()).isNotEmpty().hasSizeLessThanOrEqualTo(ScanErrors.MAX_DETAILS);
            assertThat(report.errorDetails()).filteredOn(d -> d.kind().equals("malformed") && tcp.equals(d.file())).first()
                    .satisfies(d -> {
                        assertThat(d.key()).as("the namespace of the file's pid").isEqualTo(garbled.key());
                        assertThat(d.count()).isGreaterThanOrEqualTo(3);
                        assertThat(d.message()).startsWith("line 2: ");
                    });
            assertThat(report.errorDetails()).anySatisfy(d -> {
                assertThat(d.kind()).isEqualTo("oversized");
                assertThat(d.file()).isEqualTo(root.resolve("300/net/tcp").toString());
            });
            assertThat(report.errorDetails()).anySatisfy(d -> {
                assertThat(d.kind()).isEqualTo("missing");
                assertThat(d.file()).isEqualTo(root.resolve("500/net/netstat").toString());
                assertThat(d.key()).isEqualTo(byPid(scan, 500).key());
            });
            String json = new ObjectMapper().writeValueAsString(report);
            assertThat(json).contains("\"errorDetails\":[{\"kind\":");
            assertThat(ListenerTable.render(scan, 50)).containsPattern("scan errors: .*\\(first: [a-z]+ in " + java.util.regex.Pattern.quote(root.toString())
                    + "/[0-9]+/[a-z/0-9]+ \\(netns key [0-9]+\\)( x[0-9]+)?: ");
        }
    }

    @Test
    void aFifoADeviceOrALinkLoopInPlaceOfAFileIsRefusedAtOnceNotWaitedOn() throws Exception {
        pid(700, HEADER + LISTEN_8080, NETSTAT, "0::/\n");
        Files.delete(root.resolve("700/net/tcp6"));
        Process mkfifo = new ProcessBuilder("mkfifo", root.resolve("700/net/tcp6").toString()).start();
        assertThat(mkfifo.waitFor()).isZero();
        pid(800, HEADER + LISTEN_80, NETSTAT, "");
        Files.delete(root.resolve("800/cgroup"));
        Files.createSymbolicLink(root.resolve("800/cgroup"), Path.of("/dev/zero"));
        pid(900, HEADER + LISTEN_80, NETSTAT, "0::/\n");
        Files.delete(root.resolve("900/net/netstat"));
        Files.createSymbolicLink(root.resolve("900/net/netstat"), root.resolve("900/net/loop"));
        Files.createSymbolicLink(root.resolve("900/net/loop"), root.resolve("900/net/netstat"));

        NodeScan scan = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () -> {
            try (NodeScanner scanner = TestConfig.scanner(ReaderChoice.PROCFS, root, 1 << 20)) {
                return scanner.scan();
            }
        });
        ScanErrors errors = scan.errors();
        assertThat(errors.details()).anySatisfy(d -> {
            assertThat(d.kind()).isEqualTo(ScanErrors.Kind.MALFORMED);
            assertThat(d.file()).isEqualTo(root.resolve("700/net/tcp6").toString());
            assertThat(d.message()).contains("FIFO");
        });
        assertThat(errors.details()).anySatisfy(d -> {
            assertThat(d.kind()).isEqualTo(ScanErrors.Kind.MALFORMED);
            assertThat(d.file()).isEqualTo(root.resolve("800/cgroup").toString());
            assertThat(d.message()).contains("character device");
        });
        assertThat(errors.details()).anySatisfy(d -> {
            assertThat(d.kind()).as("a link loop is malformed, not a process that vanished").isEqualTo(ScanErrors.Kind.MALFORMED);
            assertThat(d.file()).isEqualTo(root.resolve("900/net/netstat").toString());
        });
        assertThat(errors.count(ScanErrors.Kind.VANISHED)).as("only pid 400 vanished").isEqualTo(1);
        assertThat(byPid(scan, 700).listeners()).as("tcp is still read beside a refused tcp6").hasSize(1);
        assertThat(byPid(scan, 800).listeners()).hasSize(1);
        assertThat(byPid(scan, 900).listeners()).hasSize(1);
        assertThat(byPid(scan, 900).counters()).isNull();
    }

    @TempDir
    Path parked;

    @Test
    void aNamespaceWhoseProcessesAllVanishIsForgottenAndANewOneOnTheSameInodeStartsAfresh() throws Exception {
        try (NodeScanner scanner = TestConfig.scanner(ReaderChoice.PROCFS, root, 1 << 20)) {
            byPid(scanner.scan(), 100);
            NetnsScan pod = byPid(scanner.scan(), 100);
            assertThat(pod.delta()).as("a namespace seen twice has a delta").isNotNull();
            long podKey = pod.key();
            // Every process of the pod namespace exits: their pids leave /proc (moved aside, inodes kept).
            Files.move(root.resolve("101"), parked.resolve("101"));
            Files.move(root.resolve("100"), parked.resolve("100"));
            assertThat(scanner.scan().namespaces()).noneMatch(n -> n.pids().contains(100));
            // A new namespace on the same inode, as the kernel recycles them: the very same files come back.
            Files.move(parked.resolve("100"), root.resolve("100"));
            Files.writeString(root.resolve("100/net/netstat"), NETSTAT.replace("65 65", "3 3"));
            NetnsScan reborn = byPid(scanner.scan(), 100);
            assertThat(reborn.key()).as("the same key: a recycled inode").isEqualTo(podKey);
            assertThat(reborn.delta()).as("state of a dead namespace never lands on a new one").isNull();
            assertThat(reborn.counters().listenOverflows()).isEqualTo(3);
        }
    }

    @Test
    void aMissingProcRootIsAnErrorNotACrash() {
        try (NodeScanner scanner = TestConfig.scanner(ReaderChoice.PROCFS, root.resolve("nope"), 1 << 20)) {
            NodeScan scan = scanner.scan();
            assertThat(scan.namespaces()).isEmpty();
            assertThat(scan.errors().count(ScanErrors.Kind.READ)).isEqualTo(1);
            assertThat(List.copyOf(scan.errors().firstMessages().values()).getFirst()).contains("nope");
        }
    }
}
