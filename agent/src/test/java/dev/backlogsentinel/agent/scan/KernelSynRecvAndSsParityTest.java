package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.kernel.ReaderChoice;
import dev.backlogsentinel.agent.NetnsFixture;
import dev.backlogsentinel.agent.RootRequired;
import dev.backlogsentinel.agent.TestConfig;
import dev.backlogsentinel.agent.kernel.Endpoint;
import dev.backlogsentinel.agent.kernel.Family;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@RootRequired
class KernelSynRecvAndSsParityTest {

    /**
     * A TCP_DEFER_ACCEPT listener keeps handshakes that carry no data as SYN_RECV request sockets,
     * which is what a SYN backlog looks like to the agent.
     */
    @ParameterizedTest
    @EnumSource(value = ReaderChoice.class, names = {"NETLINK", "PROCFS"})
    void synRecvRequestSocketsAreCountedPerListener(ReaderChoice reader) throws Exception {
        try (NetnsFixture netns = NetnsFixture.create()) {
            Process server = new ProcessBuilder("ip", "netns", "exec", netns.name(), "python3", "-c", """
                    import socket, time
                    s = socket.socket()
                    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, 60)
                    s.bind(('127.0.0.1', 7000)); s.listen(64)
                    other = socket.socket(); other.bind(('127.0.0.1', 7001)); other.listen(64)
                    clients = []
                    for i in range(5):
                        c = socket.socket(); c.connect(('127.0.0.1', 7000)); clients.append(c)
                    print('ready', flush=True)
                    time.sleep(120)
                    """).redirectErrorStream(true).start();
            try {
                assertThat(new String(server.getInputStream().readNBytes(5))).isEqualTo("ready");
                long key = netns.key();
                try (NodeScanner scanner = TestConfig.scanner(reader)) {
                    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                        NetnsScan ns = scanner.scan().namespaces().stream().filter(n -> n.key() == key).findFirst().orElseThrow();
                        assertThat(synRecvOf(ns, 7000)).isEqualTo(5);
                        assertThat(synRecvOf(ns, 7001)).isZero();
                    });
                }
            } finally {
                server.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    private static int synRecvOf(NetnsScan ns, int port) {
        return ns.listeners().stream().filter(l -> l.endpoint().equals(new Endpoint(Family.IPv4, "127.0.0.1", port)))
                .findFirst().orElseThrow().synRecv();
    }

    /**
     * For every listener of every namespace on this machine, netlink's depth and limit equal what
     * `ss -lnt` prints inside that namespace (Recv-Q, Send-Q). A second namespace with a known
     * listener makes sure there is more than the host to compare.
     */
    @Test
    void netlinkMatchesSsInEveryNamespace() throws Exception {
        try (NetnsFixture extra = NetnsFixture.create(); NodeScanner scanner = TestConfig.scanner(ReaderChoice.NETLINK)) {
            extra.fill(Family.IPv4, 6000, 32, 3);
            extra.fill(Family.IPv6, 6001, 8, 0);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                NodeScan scan = scanner.scan();
                assertThat(scan.namespaces()).hasSizeGreaterThanOrEqualTo(2);
                int compared = 0;
                for (NetnsScan ns : scan.namespaces()) {
                    Set<String> ours = new TreeSet<>();
                    ns.listeners().forEach(l -> ours.add(l.endpoint() + " " + l.depth() + "/" + l.limit()));
                    assertThat(ours).as("namespace net:[%s]", ns.nsInode()).isEqualTo(ssInside(ns));
                    compared += ours.size();
                }
                assertThat(compared).isGreaterThanOrEqualTo(2);
            });
        }
    }

    /** `ss -lntH` run inside the namespace of one of its processes. */
    private static Set<String> ssInside(NetnsScan ns) throws Exception {
        List<String> failures = new ArrayList<>();
        for (int pid : ns.pids()) {
            try {
                String out = NetnsFixture.run("nsenter", "--net=/proc/" + pid + "/ns/net", "ss", "-lntH");
                Set<String> rows = new TreeSet<>();
                for (String line : out.split("\n")) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length < 4) {
                        continue;
                    }
                    // "127.0.0.53%lo:53" names the interface; the address is what precedes it.
                    String local = f[3].replaceAll("%[^:\\]]+", "");
                    // ss prints a dual-stack IPv6 listener on :: (no IPV6_V6ONLY, as Go's servers open) as "*".
                    local = local.startsWith("*:") ? "[::]" + local.substring(1) : local;
                    rows.add(local + " " + f[1] + "/" + f[2]);
                }
                return rows;
            } catch (IllegalStateException e) {
                failures.add(e.getMessage());
            }
        }
        throw new AssertionError("could not enter any process of " + ns.key() + ": " + failures);
    }
}
