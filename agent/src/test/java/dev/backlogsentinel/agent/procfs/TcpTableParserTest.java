package dev.backlogsentinel.agent.procfs;

import dev.backlogsentinel.agent.kernel.Endpoint;
import dev.backlogsentinel.agent.kernel.Family;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TcpTableParserTest {

    static final String HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
    // Real lines from a listen(16) socket filled by 30 connects (KERNEL.md), plus one request socket.
    static final String LISTEN_V4 = "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000011 00:00000000 00000000     0        0 40123 1 0000000000000000 100 0 0 10 0";
    static final String LISTEN_ANY = "   1: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 40124 1 0000000000000000 100 0 0 10 0";
    static final String SYN_RECV = "   2: 0100007F:1F90 0100007F:D2F0 03 00000000:00000000 02:00000046 00000000     0        0 0 0 0000000000000000";
    static final String ESTABLISHED = "   3: 0100007F:1F90 0100007F:D2F2 01 00000000:00000000 00:00000000 00000000     0        0 40130 1 0000000000000000 20 4 30 10 -1";
    static final String LISTEN_V6_LOOPBACK = "   0: 00000000000000000000000001000000:20FB 00000000000000000000000000000000:0000 0A 00000000:00000011 00:00000000 00000000     0        0 40200 1 0000000000000000 100 0 0 10 0";

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
        TcpTableParser p = feed(new TcpTableParser(Family.IPv4, false), HEADER, LISTEN_V4, LISTEN_ANY);
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
        assertThat(p.accept(LISTEN_V4)).isTrue();
        assertThat(p.accept(ESTABLISHED)).as("the rest of the host-wide table is never read").isFalse();
    }

    @Test
    void countsSynRecvByLocalEndpointWhenAsked() {
        TcpTableParser p = feed(new TcpTableParser(Family.IPv4, true), HEADER, LISTEN_V4, SYN_RECV, ESTABLISHED, SYN_RECV);
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
        String truncated = LISTEN_V4.substring(0, 40);
        String garbage = "\u0000\u0001 not a socket line at all";
        String badHex = LISTEN_ANY.replace("00000000:0050", "ZZZZZZZZ:0050");
        String badQueue = LISTEN_ANY.replace("00000000:00000000 00:", "000000000000000000 00:");
        TcpTableParser p = feed(new TcpTableParser(Family.IPv4, false), HEADER, truncated, garbage, badHex, badQueue, LISTEN_V4);
        assertThat(p.malformed()).isEqualTo(4);
        assertThat(p.firstMalformed()).isEqualTo(truncated);
        assertThat(p.listeners()).extracting(l -> l.endpoint().port()).containsExactly(8080);
    }

    @Test
    void wrongFamilyAddressWidthIsMalformed() {
        TcpTableParser p = feed(new TcpTableParser(Family.IPv6, false), LISTEN_V4);
        assertThat(p.malformed()).isEqualTo(1);
        assertThat(p.listeners()).isEmpty();
    }
}
