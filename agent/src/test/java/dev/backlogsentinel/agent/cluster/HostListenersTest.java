package dev.backlogsentinel.agent.cluster;

import dev.backlogsentinel.agent.RootRequired;
import dev.backlogsentinel.agent.TestConfig;
import dev.backlogsentinel.agent.attribution.NetnsAttribution;
import dev.backlogsentinel.agent.scan.ListenerFinding;
import dev.backlogsentinel.agent.scan.NetnsScan;
import dev.backlogsentinel.agent.scan.NodeScanner;
import dev.backlogsentinel.agent.kernel.ReaderChoice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A hostNetwork pod's listener lives in the node's namespace: it is the pod's when the pod's
 * process holds the socket. Here the test JVM plays that process (its fd/ is the real one) under a
 * fake kubepods cgroup; the node's other listeners stay the node's own.
 */
@RootRequired
class HostListenersTest {

    static final String UID = "0f5a1e2d-3c4b-4a59-8e7f-6a5b4c3d2e1f";

    @TempDir
    Path procRoot;

    @Test
    void aHostListenerBelongsToThePodWhoseProcessHoldsItsSocket() throws Exception {
        long self = ProcessHandle.current().pid();
        Path pid = Files.createDirectories(procRoot.resolve("5151"));
        for (String link : new String[] {"net", "ns", "fd"}) {
            Files.createSymbolicLink(pid.resolve(link), Path.of("/proc", Long.toString(self), link));
        }
        Files.writeString(pid.resolve("cgroup"), "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
                + UID.replace('-', '_') + ".slice/cri-containerd-" + "ab".repeat(32) + ".scope\n");
        // A neighbour process of the node, no pod: its sockets are the node's.
        Path node = Files.createDirectories(procRoot.resolve("6161"));
        Files.createSymbolicLink(node.resolve("net"), Path.of("/proc", Long.toString(self), "net"));
        Files.writeString(node.resolve("cgroup"), "0::/system.slice/sshd.service\n");

        try (ServerSocketChannel mine = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
                NodeScanner scanner = TestConfig.scanner(ReaderChoice.NETLINK, procRoot, 64L << 20)) {
            int port = ((InetSocketAddress) mine.getLocalAddress()).getPort();
            NetnsScan host = scanner.scan().namespaces().stream()
                    .filter(n -> n.attribution().kind() == NetnsAttribution.Kind.HOST).findFirst().orElseThrow();
            ListenerFinding ours = host.listeners().stream().filter(l -> l.endpoint().port() == port).findFirst().orElseThrow();
            assertThat(ours.owner()).as("the scan found who holds the socket").isNotNull();
            assertThat(ours.owner().pids()).contains(5151);
            assertThat(HostListeners.podOf(ours, scanner::podOfProcess)).isEqualTo(UID);
            assertThat(host.listeners()).as("the node's own listeners").anySatisfy(l ->
                    assertThat(HostListeners.podOf(l, scanner::podOfProcess)).isNull());
        }
    }
}
