package dev.backlogsentinel.agent.procfs;

import dev.backlogsentinel.agent.kernel.NetnsCounters;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class NetstatParserTest {

    static final String NETSTAT = """
            TcpExt: SyncookiesSent SyncookiesRecv ListenOverflows ListenDrops TCPReqQFullDoCookies TCPReqQFullDrop
            TcpExt: 3 0 65 67 4 1
            IpExt: InNoRoutes InTruncatedPkts
            IpExt: 0 0
            """;

    static NetstatParser.Parsed parse(String text) {
        return new NetstatParser().parse(text);
    }

    @Test
    void readsTheFiveListenCounters() {
        NetstatParser.Parsed parsed = parse(NETSTAT);
        assertThat(parsed.malformed()).isZero();
        assertThat(parsed.firstProblem()).isNull();
        assertThat(parsed.counters()).isEqualTo(new NetnsCounters(65, 67, 1, 4, 3));
    }

    @Test
    void aBrokenPairIsCountedAndTheOthersStillParse() {
        String broken = """
                IpExt: InNoRoutes InTruncatedPkts
                IpExt: 5
                TcpExt: SyncookiesSent ListenOverflows ListenDrops
                TcpExt: 3 8 9
                """;
        NetstatParser.Parsed parsed = parse(broken);
        assertThat(parsed.malformed()).isEqualTo(1);
        assertThat(parsed.firstProblem()).contains("IpExt values").contains("where the header has 2");
        assertThat(parsed.counters()).isEqualTo(new NetnsCounters(8, 9, 0, 0, 3));
    }

    @Test
    void aLostHeaderLineDoesNotShiftLaterPairs() {
        String lostHeader = """
                TcpExt: 1 2 3
                TcpExt: SyncookiesSent ListenOverflows ListenDrops
                TcpExt: 7 8 9
                """;
        NetstatParser.Parsed parsed = parse(lostHeader);
        assertThat(parsed.malformed()).isEqualTo(1);
        assertThat(parsed.counters()).isEqualTo(new NetnsCounters(8, 9, 0, 0, 7));
    }

    @Test
    void signsLettersAndMissingFieldsAreRefusedNotGuessed() {
        for (String values : new String[] {"TcpExt: -4 5", "TcpExt: 4 x", "TcpExt: 4", "TcpExt: 4 5 6", "TcpExt: 4  5", "TcpExt: +4 5",
                "TcpExt: 4 5\r", "TcpExt: 0x4 5", "TcpExt: 4 18446744073709551616"}) {
            NetstatParser.Parsed parsed = parse("TcpExt: ListenOverflows ListenDrops\n" + values + "\n");
            assertThat(parsed.counters()).as(values).isNull();
            assertThat(parsed.malformed()).as(values).isPositive();
        }
    }

    @Test
    void aSecondTcpExtOrARepeatedColumnIsRefused() {
        NetstatParser.Parsed twice = parse(NETSTAT + "TcpExt: ListenOverflows ListenDrops\nTcpExt: 0 0\n");
        assertThat(twice.counters()).as("which copy is true is not known").isNull();
        assertThat(twice.firstProblem()).contains("printed twice");
        NetstatParser.Parsed repeated = parse("TcpExt: ListenOverflows ListenOverflows\nTcpExt: 1 2\n");
        assertThat(repeated.counters()).isNull();
        assertThat(repeated.firstProblem()).contains("names a column twice");
    }

    @Test
    void withoutTcpExtOrListenOverflowsTheCountersAreUnknownNotZero() {
        assertThat(parse("IpExt: InNoRoutes\nIpExt: 0\n").counters()).isNull();
        NetstatParser.Parsed noColumn = parse("TcpExt: ListenDrops\nTcpExt: 5\n");
        assertThat(noColumn.counters()).isNull();
        assertThat(noColumn.firstProblem()).contains("no ListenOverflows");
        assertThat(parse("").counters()).isNull();
    }

    @Test
    void aLastValuesLineWithoutItsNewlineWasCutAndIsRefused() {
        // Cut in its last value: "65" would read as "6" if believed.
        NetstatParser.Parsed cut = parse("TcpExt: ListenDrops ListenOverflows\nTcpExt: 65 6");
        assertThat(cut.counters()).isNull();
        assertThat(cut.firstProblem()).contains("no newline");
    }

    @Test
    void unsigned64BitValuesAreKeptWhole() {
        NetstatParser.Parsed parsed = parse("TcpExt: ListenOverflows ListenDrops\nTcpExt: 18446744073709551615 9223372036854775808\n");
        assertThat(parsed.malformed()).isZero();
        assertThat(Long.toUnsignedString(parsed.counters().listenOverflows())).isEqualTo("18446744073709551615");
        assertThat(NetnsCounters.unsigned(parsed.counters().listenDrops())).isEqualTo(9.223372036854775808E18);
    }

    @Test
    void theSameParserReadsAChangedFileAfresh() {
        NetstatParser parser = new NetstatParser();
        assertThat(parser.parse(NETSTAT).counters().listenOverflows()).isEqualTo(65);
        String reordered = "TcpExt: ListenDrops ListenOverflows\nTcpExt: 1 2\n";
        assertThat(parser.parse(reordered).counters()).isEqualTo(new NetnsCounters(2, 1, 0, 0, 0));
        assertThat(parser.parse(NETSTAT.replace(" 65 ", " 66 ")).counters().listenOverflows()).isEqualTo(66);
    }

    @Test
    void deltaOfACounterThatWentBackwardsStartsFromZero() {
        NetnsCounters before = new NetnsCounters(100, 100, 0, 0, 0);
        NetnsCounters after = new NetnsCounters(5, 120, 1, 0, 0);
        NetnsCounters delta = after.since(before);
        assertThat(delta.listenOverflows()).isEqualTo(5);
        assertThat(delta.listenDrops()).isEqualTo(20);
        assertThat(delta.synQueueMoved()).isTrue();
    }
}
