package dev.backlogsentinel.agent.procfs;

import dev.backlogsentinel.agent.kernel.Endpoint;
import dev.backlogsentinel.agent.kernel.Family;
import org.junit.jupiter.api.Test;

import static dev.backlogsentinel.agent.ProcfsLines.ESTABLISHED_8080;
import static dev.backlogsentinel.agent.ProcfsLines.HEADER;
import static dev.backlogsentinel.agent.ProcfsLines.LISTEN_80;
import static dev.backlogsentinel.agent.ProcfsLines.LISTEN_8080;
import static dev.backlogsentinel.agent.ProcfsLines.LISTEN_V6_LOOPBACK;
import static dev.backlogsentinel.agent.ProcfsLines.SYN_RECV_8080;

import static org.assertj.core.api.Assertions.assertThat;

class TcpTableParserTest {

    private static TcpTableParser feed(TcpTableParser parser, String... lines) {
        for (String line : lines) {
            if (!parser.accept(line)) {
                break;
            }
        }
        return parser;
    }

    @Test
    void listenLineGivesAddressPortDepthAndInode() {
        TcpTableParser p = feed(new TcpTableParser(Family.IPv4, false), HEADER, LISTEN_8080, LISTEN_80);
        assertThat(p.listeners()).hasSize(2);
        var first = p.listeners().getFirst();
        assertThat(first.endpoint()).isEqualTo(new Endpoint(Family.IPv4, "127.0.0.1", 8080));
        assertThat(first.depth()).isEqualTo(17);
        assertThat(first.limit()).as("procfs does not show the limit").isNull();
        assertThat(first.inode()).isEqualTo(40123);
        assertThat(p.listeners().get(1).endpoint()).isEqualTo(new Endpoint(Family.IPv4, "0.0.0.0", 80));
        assertThat(p.malformed()).isZero();
    }

    @Test
    void stopsAtFirstNonListenLineWithoutSynRecv() {
        TcpTableParser p = new TcpTableParser(Family.IPv4, false);
        assertThat(p.accept(LISTEN_8080)).isTrue();
        assertThat(p.accept(ESTABLISHED_8080)).as("the rest of the host-wide table is never read").isFalse();
    }

    @Test
    void countsSynRecvByLocalEndpointWhenAsked() {
        TcpTableParser p = feed(new TcpTableParser(Family.IPv4, true), HEADER, LISTEN_8080, SYN_RECV_8080, ESTABLISHED_8080, SYN_RECV_8080);
        assertThat(p.synRecv()).containsEntry(new Endpoint(Family.IPv4, "127.0.0.1", 8080), 2);
        assertThat(p.listeners()).hasSize(1);
    }

    @Test
    void ipv6WordsAreInHostOrder() {
        TcpTableParser p = feed(new TcpTableParser(Family.IPv6, false), HEADER, LISTEN_V6_LOOPBACK);
        assertThat(p.listeners().getFirst().endpoint()).isEqualTo(new Endpoint(Family.IPv6, "::1", 8443));
        assertThat(p.listeners().getFirst().depth()).isEqualTo(17);
    }

    @Test
    void malformedLinesAreCountedAndSkippedWithoutLosingTheRest() {
        String truncated = LISTEN_8080.substring(0, 40);
        String garbage = "\u0000\u0001 not a socket line at all";
        String badHex = LISTEN_80.replace("00000000:0050", "ZZZZZZZZ:0050");
        String badQueue = LISTEN_80.replace("00000000:00000000 00:", "000000000000000000 00:");
        TcpTableParser p = feed(new TcpTableParser(Family.IPv4, false), HEADER, truncated, garbage, badHex, badQueue, LISTEN_8080);
        assertThat(p.malformed()).isEqualTo(4);
        assertThat(p.firstMalformed()).isEqualTo(truncated);
        assertThat(p.listeners()).extracting(l -> l.endpoint().port()).containsExactly(8080);
    }

    @Test
    void wrongFamilyAddressWidthIsMalformed() {
        TcpTableParser p = feed(new TcpTableParser(Family.IPv6, false), LISTEN_8080);
        assertThat(p.malformed()).isEqualTo(1);
        assertThat(p.listeners()).isEmpty();
    }
}
