package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.kernel.ReaderChoice;
import dev.backlogsentinel.agent.NetnsFixture;
import dev.backlogsentinel.agent.RootRequired;
import dev.backlogsentinel.agent.TestConfig;
import dev.backlogsentinel.agent.attribution.SocketOwner;
import dev.backlogsentinel.agent.kernel.NetnsKnobs;
import dev.backlogsentinel.api.advice.Server;
import dev.backlogsentinel.testing.NetnsApp;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real processes in real namespaces: who holds each listener, checked against {@code ss -ltnp}
 * run inside the namespace; the namespace's TCP knobs, set inside it with sysctl; and a real Go
 * server (etcd), whose net package listens with the namespace's somaxconn.
 */
@RootRequired
class KernelOwnersAndKnobsTest {

    static final Pattern SS_USER = Pattern.compile("users:\\(\\(\"([^\"]+)\",pid=(\\d+),fd=(\\d+)\\)");

    @Test
    void theProcessHoldingTheSocketIsTheOneSsShows() throws Exception {
        try (NetnsApp app = NetnsApp.start(8080, 16, 30); NodeScanner scanner = TestConfig.scanner(ReaderChoice.NETLINK)) {
            String ss = NetnsFixture.run("ip", "netns", "exec", app.netns(), "ss", "-ltnpH", "sport", "=", ":8080");
            Matcher m = SS_USER.matcher(ss);
            assertThat(m.find()).as("ss -ltnp shows the holder: %s", ss).isTrue();
            long key = keyOf(app.pid());
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                NetnsScan ns = scanner.scan().namespaces().stream().filter(n -> n.key() == key).findFirst().orElseThrow();
                ListenerFinding l = ns.listeners().stream().filter(x -> x.endpoint().port() == 8080).findFirst().orElseThrow();
                SocketOwner owner = l.owner();
                assertThat(owner).isNotNull();
                assertThat(owner.command()).isEqualTo(m.group(1));
                assertThat(owner.pid()).isEqualTo(Integer.parseInt(m.group(2))).isEqualTo((int) app.pid());
                assertThat(owner.fd()).isEqualTo(Integer.parseInt(m.group(3)));
                assertThat(owner.holders()).isEqualTo(1);
                assertThat(owner.process().executable()).startsWith("python3");
                assertThat(owner.process().goBinary()).isFalse();
            });
        }
    }

    @Test
    void knobsSetInsideANamespaceAreReadFromInsideIt() throws Exception {
        try (NetnsApp app = NetnsApp.startEmpty(8080, 16, 0)) {
            for (String kv : new String[] {"net.core.somaxconn=100", "net.ipv4.tcp_syncookies=0", "net.ipv4.tcp_abort_on_overflow=1",
                    "net.ipv4.tcp_max_syn_backlog=64"}) {
                NetnsFixture.run("ip", "netns", "exec", app.netns(), "sysctl", "-qw", kv);
            }
            long key = keyOf(app.pid());
            try (NodeScanner netlink = TestConfig.scanner(ReaderChoice.NETLINK); NodeScanner procfs = TestConfig.scanner(ReaderChoice.PROCFS)) {
                NodeScan scan = netlink.scan();
                NetnsScan ns = scan.namespaces().stream().filter(n -> n.key() == key).findFirst().orElseThrow();
                assertThat(ns.sysctls()).isEqualTo(new NetnsKnobs(100, 0, 1, 64));
                NetnsScan host = scan.namespaces().stream().filter(n -> n.key() == NodeScannerFactory.ownKey()).findFirst().orElseThrow();
                assertThat(host.sysctls()).as("the host's own values, read where the agent runs")
                        .isEqualTo(new NetnsKnobs(sysctl("net.core.somaxconn"), sysctl("net.ipv4.tcp_syncookies"),
                                sysctl("net.ipv4.tcp_abort_on_overflow"), sysctl("net.ipv4.tcp_max_syn_backlog")));
                assertThat(host.sysctls()).isNotEqualTo(ns.sysctls());

                NetnsScan seenByProcfs = procfs.scan().namespaces().stream().filter(n -> n.key() == key).findFirst().orElseThrow();
                assertThat(seenByProcfs.sysctls()).as("procfs cannot enter the namespace: unknown, not the host's")
                        .isEqualTo(NetnsKnobs.UNKNOWN);
            }
        }
    }

    @Test
    void aGoServerListensWithTheNamespacesSomaxconnAndIsRecognised() throws Exception {
        Path etcd = Path.of("/usr/bin/etcd");
        if (!"true".equals(System.getenv("CI"))) {
            assumeTrue(Files.isRegularFile(etcd), "etcd (installed with the test API server) is not here");
        }
        try (NetnsFixture ns = NetnsFixture.create()) {
            ns.sysctl("net.core.somaxconn", "100");
            Path data = Files.createTempDirectory("etcd-go-server");
            Process server = new ProcessBuilder("ip", "netns", "exec", ns.name(), etcd.toString(), "--data-dir", data.toString(),
                    "--listen-client-urls", "http://127.0.0.1:23790", "--advertise-client-urls", "http://127.0.0.1:23790",
                    "--listen-peer-urls", "http://127.0.0.1:23800").redirectErrorStream(true)
                    .redirectOutput(Files.createTempFile("etcd", ".log").toFile()).start();
            try (NodeScanner scanner = TestConfig.scanner(ReaderChoice.NETLINK)) {
                long key = ns.key();
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    NetnsScan scan = scanner.scan().namespaces().stream().filter(n -> n.key() == key).findFirst().orElseThrow();
                    ListenerFinding l = scan.listeners().stream().filter(x -> x.endpoint().port() == 23790).findFirst().orElseThrow();
                    assertThat(l.limit()).as("Go listens with somaxconn as read at start").isEqualTo(100);
                    assertThat(l.limitedBy()).isEqualTo(LimitedBy.SOMAXCONN);
                    assertThat(l.owner()).isNotNull();
                    assertThat(l.owner().pid()).isEqualTo((int) server.pid());
                    assertThat(l.owner().process().goBinary()).isTrue();
                    assertThat(l.owner().server()).isEqualTo(Server.GO);
                });
            } finally {
                server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** The agent's key for the namespace of a process: the inode of its net/tcp. */
    static long keyOf(long pid) throws Exception {
        return dev.backlogsentinel.agent.kernel.ProcInodes.of(Path.of("/proc", Long.toString(pid), "net/tcp"));
    }

    /** As sysctl(8) reads it in the namespace the test runs in. */
    static int sysctl(String key) throws Exception {
        return Integer.parseInt(NetnsFixture.run("sysctl", "-n", key).strip());
    }
}
