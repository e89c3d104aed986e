package dev.backlogsentinel.agent.netns;

import dev.backlogsentinel.agent.kernel.NetnsProcesses;
import dev.backlogsentinel.agent.kernel.ProcInodes;
import dev.backlogsentinel.agent.kernel.ScanErrors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Discovery on a fake procfs root: a process's namespace is learnt once per process instance (its
 * /proc entry's inode) and checked again every REVALIDATE_EVERY scans; a pid that comes back as a
 * new entry (a reused pid) is looked at afresh at once.
 */
class NetnsDiscoveryTest {

    @TempDir
    Path root;

    private Path process(int pid, String tcpName) throws Exception {
        Path net = Files.createDirectories(root.resolve(pid + "/net"));
        return Files.writeString(net.resolve(tcpName), "  sl  local_address\n");
    }

    private static long keyOf(Map<Long, NetnsProcesses> found, int pid) {
        return found.values().stream().filter(n -> n.pids().contains(pid)).findFirst().orElseThrow().key();
    }

    @Test
    void aKnownProcessIsNotStatedAgainUntilItsRevalidation() throws Exception {
        Path tcp = process(100, "tcp");
        Path other = Files.writeString(root.resolve("100/net/other"), "x");
        NetnsDiscovery discovery = new NetnsDiscovery(root);
        long first = keyOf(discovery.discover(k -> false, new ScanErrors()), 100);
        assertThat(first).isEqualTo(ProcInodes.of(tcp));
        // The process "moves" to another namespace: its net/tcp is now another inode.
        Files.delete(tcp);
        Files.move(other, tcp);
        long moved = ProcInodes.of(tcp);
        int sameAnswer = 0;
        boolean seenMove = false;
        for (int scan = 0; scan < NetnsDiscovery.REVALIDATE_EVERY; scan++) {
            long key = keyOf(discovery.discover(k -> false, new ScanErrors()), 100);
            if (key == first) {
                sameAnswer++;
            } else {
                assertThat(key).isEqualTo(moved);
                seenMove = true;
                break;
            }
        }
        assertThat(seenMove).as("revalidated within %d scans", NetnsDiscovery.REVALIDATE_EVERY).isTrue();
        assertThat(sameAnswer).as("scans that trusted what was learnt, with no stat").isPositive();
    }

    @Test
    void aReusedPidIsANewProcessAndIsLookedAtAtOnce() throws Exception {
        process(200, "tcp");
        NetnsDiscovery discovery = new NetnsDiscovery(root);
        long first = keyOf(discovery.discover(k -> false, new ScanErrors()), 200);
        // The process exits and a new one takes its pid: a new /proc entry, in another namespace.
        Path parked = Files.createTempDirectory("parked");
        Files.move(root.resolve("200"), parked.resolve("200"));
        Path again = process(200, "tcp");
        long next = keyOf(discovery.discover(k -> false, new ScanErrors()), 200);
        assertThat(next).isEqualTo(ProcInodes.of(again)).isNotEqualTo(first);
    }

    @Test
    void aVanishedProcessIsCountedAndForgotten() throws Exception {
        process(300, "tcp");
        Files.createDirectories(root.resolve("301"));
        NetnsDiscovery discovery = new NetnsDiscovery(root);
        ScanErrors errors = new ScanErrors();
        Map<Long, NetnsProcesses> found = discovery.discover(k -> false, errors);
        assertThat(found.values()).singleElement().satisfies(n -> assertThat(n.pids()).containsExactly(300));
        assertThat(errors.count(ScanErrors.Kind.VANISHED)).isEqualTo(1);
        ScanErrors missingRoot = new ScanErrors();
        assertThat(new NetnsDiscovery(root.resolve("absent")).discover(k -> false, missingRoot)).isEmpty();
        assertThat(missingRoot.count(ScanErrors.Kind.READ)).isEqualTo(1);
    }
}
