package dev.backlogsentinel.agent.netlink;

import dev.backlogsentinel.agent.NetnsFixture;
import dev.backlogsentinel.agent.RootRequired;
import dev.backlogsentinel.agent.kernel.Family;
import dev.backlogsentinel.agent.kernel.ListenerSample;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The one-request dump of both families (TCPDIAG_GETSOCK) answers exactly what the two
 * per-family requests (SOCK_DIAG_BY_FAMILY) answer, on the real kernel: the scan relies on it
 * and would otherwise fall back to two walks of the listening hash per namespace.
 */
@RootRequired
class SockDiagDumpTest {

    @Test
    void bothFamiliesAtOnceEqualsOneRequestPerFamily() throws Exception {
        try (NetnsFixture ns = NetnsFixture.withFullQueues()) {
            ns.fill(Family.IPv4, 9000, 4, 2);
            List<Set<ListenerSample>> answers = ns.inside(() -> {
                try (SockDiagSocket socket = SockDiagSocket.openHere()) {
                    int listen = 1 << SockDiagSocket.TCP_LISTEN;
                    Set<ListenerSample> both = new HashSet<>();
                    assertThat(socket.dumpBothFamilies(listen, true, (s, state) -> both.add(s))).isZero();
                    Set<ListenerSample> perFamily = new HashSet<>();
                    for (int family : new int[] {SockDiagSocket.AF_INET, SockDiagSocket.AF_INET6}) {
                        assertThat(socket.dump(family, listen, true, (s, state) -> perFamily.add(s))).isZero();
                    }
                    return new ArrayList<>(List.of(both, perFamily));
                }
            });
            Set<ListenerSample> both = answers.get(0);
            assertThat(both).extracting(s -> s.endpoint().family()).contains(Family.IPv4, Family.IPv6);
            assertThat(both).anySatisfy(s -> {
                assertThat(s.endpoint().port()).isEqualTo(8080);
                assertThat(s.depth()).isEqualTo(17);
                assertThat(s.limit()).isEqualTo(16);
            });
            // Drop counters move between the two dumps (the clients' SYNs keep coming): compare the rest.
            assertThat(both).hasSize(3);
            assertThat(both.stream().map(s -> s.endpoint() + " " + s.inode() + " " + s.depth() + "/" + s.limit()).toList())
                    .containsExactlyInAnyOrderElementsOf(answers.get(1).stream()
                            .map(s -> s.endpoint() + " " + s.inode() + " " + s.depth() + "/" + s.limit()).toList());
        }
    }
}
