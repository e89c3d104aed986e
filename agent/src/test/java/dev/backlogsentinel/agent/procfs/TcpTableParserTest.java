package dev.backlogsentinel.agent.procfs;

import dev.backlogsentinel.agent.ProcfsLines;
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
    void signsWidthsAndColumnsAreRefusedNeverShifted() {
        String[] bad = {
                LISTEN_80.replace(" 40124 ", " -40124 "),                        // a sign in an unsigned column
                LISTEN_80.replace("00000000:00000000 00:", "00000000:-0000001 00:"), // a sign in hex
                LISTEN_80.replace("00000000:00000000 00:", "00000000:0000000 00:"),  // rx_queue 7 digits
                LISTEN_80.replace("00000000:00000000 00:", "00000000:000000000 00:"), // 9 digits
                LISTEN_80.replace(":0050 ", ":050 "),                                // port 3 digits
                LISTEN_80.replace(" 0A ", " 0a "),                                   // lower-case hex
                LISTEN_80.replace("     0        0 40124", "     0 40124"),            // timeout column removed
                LISTEN_80.replace(" 40124 1 ", " 40124 7 1 "),                       // a column added
                LISTEN_80 + " 0",                                                    // an 18th column
                LISTEN_80.replace(" 10 0", " 10"),                                   // the 17th removed
                LISTEN_80.replace(" 40124 ", " 040124 "),                            // a leading zero
                LISTEN_80.replace(" 0A ", "  0A "),                                  // two spaces
                LISTEN_80.replace(" 0A ", "\t0A "),                                  // a tab
                LISTEN_80 + "\r",                                                    // CR
                LISTEN_80.replace("   1: ", "  1: "),                                // sl not padded to 4
        };
        for (String line : bad) {
            TcpTableParser p = feed(new TcpTableParser(Family.IPv4, false), HEADER, line, LISTEN_8080);
            assertThat(p.malformed()).as(line).isEqualTo(1);
            assertThat(p.firstProblem()).as(line).startsWith("line 2: ");
            assertThat(p.listeners()).as("the next line is still read: " + line).extracting(l -> l.endpoint().port())
                    .containsExactly(8080);
        }
    }

    @Test
    void rxQueueIsAnUnsigned32BitValueKeptWhole() {
        TcpTableParser p = feed(new TcpTableParser(Family.IPv4, false), HEADER,
                LISTEN_80.replace("00000000:00000000 00:", "00000000:FFFFFFFF 00:"),
                LISTEN_8080.replace("00000000:00000011 00:", "00000000:80000000 00:"));
        assertThat(p.malformed()).isZero();
        assertThat(p.listeners()).extracting(l -> l.depth()).containsExactly(4294967295L, 2147483648L);
    }

    @Test
    void aMalformedStateIsCountedAndDoesNotEndTheRead() {
        TcpTableParser p = feed(new TcpTableParser(Family.IPv4, false), HEADER, LISTEN_80.replace(" 0A ", " ZZ "),
                LISTEN_80.replace(" 0A ", " 0C "), LISTEN_8080);
        assertThat(p.malformed()).isEqualTo(2);
        assertThat(p.listeners()).extracting(l -> l.endpoint().port()).containsExactly(8080);
    }

    @Test
    void theKernelsOwnShapesAreRead() {
        // tcp pads each line to 149 characters; request and time-wait sockets have 12 columns.
        String padded = LISTEN_80 + " ".repeat(149 - LISTEN_80.length());
        String timeWait = "   4: 0100007F:1F90 0100007F:D2F4 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000";
        String hashedPointer = LISTEN_8080.replace("0000000000000000", "000000001e64e0fa");
        TcpTableParser p = feed(new TcpTableParser(Family.IPv4, true), HEADER + " ".repeat(149 - HEADER.length()), padded,
                hashedPointer, SYN_RECV_8080, timeWait, ESTABLISHED_8080);
        assertThat(p.malformed()).isZero();
        assertThat(p.listeners()).hasSize(2);
        assertThat(p.synRecv()).containsEntry(new Endpoint(Family.IPv4, "127.0.0.1", 8080), 1);
        TcpTableParser badPadding = feed(new TcpTableParser(Family.IPv4, false), HEADER, LISTEN_80 + "   ");
        assertThat(badPadding.malformed()).as("spaces that are not the padding to 149").isEqualTo(1);
    }

    @Test
    void aListenerWithTwelveColumnsOrADuplicateInodeIsRefused() {
        String shortListen = SYN_RECV_8080.replace(" 03 ", " 0A ");
        TcpTableParser p = feed(new TcpTableParser(Family.IPv4, false), HEADER, shortListen, LISTEN_8080, LISTEN_8080);
        assertThat(p.malformed()).isEqualTo(2);
        assertThat(p.listeners()).hasSize(1);
    }

    @Test
    void theHeaderIsRecognisedExactly() {
        TcpTableParser none = feed(new TcpTableParser(Family.IPv4, false), LISTEN_8080);
        assertThat(none.malformed()).as("no header: said").isEqualTo(1);
        assertThat(none.listeners()).as("a line of the exact shape is still read").hasSize(1);
        TcpTableParser v4InTcp6 = feed(new TcpTableParser(Family.IPv6, false), HEADER, LISTEN_V6_LOOPBACK);
        assertThat(v4InTcp6.malformed()).isEqualTo(1);
        TcpTableParser twice = feed(new TcpTableParser(Family.IPv4, false), HEADER, HEADER, LISTEN_8080);
        assertThat(twice.malformed()).isEqualTo(1);
        assertThat(twice.firstProblem()).contains("a second header");
        assertThat(feed(new TcpTableParser(Family.IPv6, false), ProcfsLines.HEADER_V6, LISTEN_V6_LOOPBACK).malformed()).isZero();
    }

    @Test
    void anEmptyFileHasNoListenersAndNoError() {
        TcpTableParser p = new TcpTableParser(Family.IPv4, false);
        assertThat(p.listeners()).isEmpty();
        assertThat(p.malformed()).isZero();
    }

    @Test
    void aLastLineWithoutItsNewlineWasCutAndIsNotBelieved() {
        TcpTableParser p = feed(new TcpTableParser(Family.IPv6, false), ProcfsLines.HEADER_V6);
        p.unterminated(LISTEN_V6_LOOPBACK.substring(0, LISTEN_V6_LOOPBACK.length() - 2));
        assertThat(p.listeners()).isEmpty();
        assertThat(p.malformed()).isEqualTo(1);
        assertThat(p.firstProblem()).contains("no newline");
    }

    @Test
    void thisMachinesTablesParseWithoutAnyMalformedLine() throws Exception {
        for (String file : new String[] {"/proc/self/net/tcp", "/proc/self/net/tcp6"}) {
            if (!java.nio.file.Files.exists(java.nio.file.Path.of(file))) {
                continue;
            }
            TcpTableParser p = new TcpTableParser(file.endsWith("6") ? Family.IPv6 : Family.IPv4, true);
            try (ProcFile f = ProcFile.open(java.nio.file.Path.of(file), 64L << 20)) {
                f.forEachLine(p);
            }
            assertThat(p.malformed()).as(file + ": " + p.firstProblem()).isZero();
        }
    }

    @Test
    void wrongFamilyAddressWidthIsMalformed() {
        TcpTableParser p = feed(new TcpTableParser(Family.IPv6, false), LISTEN_8080);
        assertThat(p.malformed()).isEqualTo(1);
        assertThat(p.listeners()).isEmpty();
    }
}
