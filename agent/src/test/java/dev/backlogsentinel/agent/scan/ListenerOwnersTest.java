package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.attribution.ProcessAttribution;
import dev.backlogsentinel.agent.attribution.SocketOwners;
import dev.backlogsentinel.agent.kernel.Endpoint;
import dev.backlogsentinel.agent.kernel.Family;
import dev.backlogsentinel.agent.kernel.ListenerSample;
import dev.backlogsentinel.agent.kernel.ScanErrors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who holds which listening socket, on a fake procfs root whose fd links say socket:[inode] as the
 * kernel's do: found once, kept while the socket and its owner live, searched again only when that
 * can find something new, and where searches are costly (more fd links than a threshold, here 0) a
 * full search at most every 30 s.
 */
class ListenerOwnersTest {

    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    static final String CID = "c0ffee".repeat(10) + "abcd";

    @TempDir
    Path root;

    private void process(int pid, String comm, long... sockets) throws IOException {
        Path fd = Files.createDirectories(root.resolve(pid + "/fd"));
        Files.writeString(root.resolve(pid + "/comm"), comm + "\n");
        int n = 3;
        for (long inode : sockets) {
            Files.createSymbolicLink(fd.resolve(Integer.toString(n++)), Path.of("socket:[" + inode + "]"));
        }
        Files.createSymbolicLink(fd.resolve(Integer.toString(n)), Path.of("/dev/null"));
    }

    private static ListenerSample listener(int port, long inode) {
        return new ListenerSample(new Endpoint(Family.IPv4, "0.0.0.0", port), inode, 0, 128, 0L);
    }

    private static ProcessAttribution pod(int pid) {
        return new ProcessAttribution(ProcessAttribution.Kind.POD, "uid", CID, "containerd", "/kubepods/pod-uid/" + CID);
    }

    @Test
    void theLowestPidOwnsASharedSocketAndTheOthersAreCounted() throws Exception {
        process(40, "nginx", 9001);
        process(41, "nginx", 9001, 9002);
        process(42, "nginx", 9001);
        ListenerOwners owners = new ListenerOwners();
        owners.refresh(List.of(listener(80, 9001), listener(443, 9002)), List.of(42, 41, 40), T0, new SocketOwners(root),
                ListenerOwnersTest::pod, new ScanErrors(), ScanErrors.Where.UNKNOWN);
        assertThat(owners.of(9001).pid()).isEqualTo(40);
        assertThat(owners.of(9001).pids()).containsExactly(40, 41, 42);
        assertThat(owners.of(9001).label()).isEqualTo("nginx(40)+2");
        assertThat(owners.of(9001).fd()).isEqualTo(3);
        assertThat(owners.of(9001).containerId()).isEqualTo(CID);
        assertThat(owners.of(9002).pid()).isEqualTo(41);
        assertThat(owners.of(9002).fd()).isEqualTo(4);
        assertThat(owners.of(9002).command()).isEqualTo("nginx");
    }

    @Test
    void aPlacedSocketIsNotSearchedForAgainWhileItsOwnerLives() throws Exception {
        process(40, "redis-server", 9001);
        ListenerOwners owners = new ListenerOwners();
        SocketOwners search = new SocketOwners(root);
        owners.refresh(List.of(listener(6379, 9001)), List.of(40), T0, search, p -> null, new ScanErrors(), ScanErrors.Where.UNKNOWN);
        assertThat(owners.of(9001).pid()).isEqualTo(40);
        // Its fd links gone: a search now would place nothing, so the answer can only be the cached one.
        deleteFds(40);
        owners.refresh(List.of(listener(6379, 9001)), List.of(40, 77), T0.plusSeconds(60), search, p -> null, new ScanErrors(), ScanErrors.Where.UNKNOWN);
        assertThat(owners.of(9001).pid()).isEqualTo(40);
    }

    @Test
    void anOwnerThatExitsIsReplacedByTheNextHolderAtTheNextFullSearch() throws Exception {
        process(40, "gunicorn", 9001);
        process(50, "gunicorn", 9001);
        ListenerOwners owners = new ListenerOwners(0);
        SocketOwners search = new SocketOwners(root);
        owners.refresh(List.of(listener(8000, 9001)), List.of(40, 50), T0, search, p -> null, new ScanErrors(), ScanErrors.Where.UNKNOWN);
        assertThat(owners.of(9001).pid()).isEqualTo(40);
        deleteFds(40);
        owners.refresh(List.of(listener(8000, 9001)), List.of(50), T0.plusSeconds(5), search, p -> null, new ScanErrors(), ScanErrors.Where.UNKNOWN);
        assertThat(owners.of(9001)).as("a full search is not due yet: unknown rather than wrong").isNull();
        owners.refresh(List.of(listener(8000, 9001)), List.of(50), T0.plusSeconds(31), search, p -> null, new ScanErrors(), ScanErrors.Where.UNKNOWN);
        assertThat(owners.of(9001).pid()).isEqualTo(50);
        assertThat(owners.of(9001).pids()).containsExactly(50);
    }

    @Test
    void aSocketNoProcessShowsIsLookedForOnlyAmongNewProcesses() throws Exception {
        process(40, "node");
        ListenerOwners owners = new ListenerOwners();
        SocketOwners search = new SocketOwners(root);
        owners.refresh(List.of(listener(3000, 9001)), List.of(40), T0, search, p -> null, new ScanErrors(), ScanErrors.Where.UNKNOWN);
        assertThat(owners.of(9001)).isNull();
        // A new process appears holding it: found at once, no full search needed (none is due).
        process(60, "node", 9001);
        owners.refresh(List.of(listener(3000, 9001)), List.of(40, 60), T0.plusSeconds(2), search, p -> null, new ScanErrors(), ScanErrors.Where.UNKNOWN);
        assertThat(owners.of(9001).pid()).isEqualTo(60);
        assertThat(owners.of(9001).command()).isEqualTo("node");
    }

    @Test
    void aNewSocketWithinThirtySecondsOfACostlySearchWaitsForTheNext() throws Exception {
        process(40, "java", 9001, 9002);
        ListenerOwners owners = new ListenerOwners(0);
        SocketOwners search = new SocketOwners(root);
        owners.refresh(List.of(listener(8080, 9001)), List.of(40), T0, search, p -> null, new ScanErrors(), ScanErrors.Where.UNKNOWN);
        owners.refresh(List.of(listener(8080, 9001), listener(8443, 9002)), List.of(40), T0.plusSeconds(10), search, p -> null, new ScanErrors(), ScanErrors.Where.UNKNOWN);
        assertThat(owners.of(9002)).isNull();
        owners.refresh(List.of(listener(8080, 9001), listener(8443, 9002)), List.of(40), T0.plusSeconds(30), search, p -> null, new ScanErrors(), ScanErrors.Where.UNKNOWN);
        assertThat(owners.of(9002).pid()).isEqualTo(40);
    }

    @Test
    void whereSearchesAreCheapANewSocketIsPlacedAtOnce() throws Exception {
        process(40, "java", 9001, 9002);
        ListenerOwners owners = new ListenerOwners();
        SocketOwners search = new SocketOwners(root);
        owners.refresh(List.of(listener(8080, 9001)), List.of(40), T0, search, p -> null, new ScanErrors(), ScanErrors.Where.UNKNOWN);
        owners.refresh(List.of(listener(8080, 9001), listener(8443, 9002)), List.of(40), T0.plusSeconds(2), search, p -> null, new ScanErrors(), ScanErrors.Where.UNKNOWN);
        assertThat(owners.of(9002).pid()).isEqualTo(40);
    }

    @Test
    void aClosedSocketIsForgotten() throws Exception {
        process(40, "envoy", 9001);
        ListenerOwners owners = new ListenerOwners();
        SocketOwners search = new SocketOwners(root);
        owners.refresh(List.of(listener(10000, 9001)), List.of(40), T0, search, p -> null, new ScanErrors(), ScanErrors.Where.UNKNOWN);
        owners.refresh(List.of(), List.of(40), T0.plusSeconds(2), search, p -> null, new ScanErrors(), ScanErrors.Where.UNKNOWN);
        assertThat(owners.of(9001)).isNull();
    }

    private void deleteFds(int pid) throws IOException {
        try (var fds = Files.list(root.resolve(pid + "/fd"))) {
            for (Path fd : fds.toList()) {
                Files.delete(fd);
            }
        }
    }
}
