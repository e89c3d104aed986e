package dev.backlogsentinel.agent.procfs;

import dev.backlogsentinel.agent.kernel.NetnsCounters;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class NetstatParserTest {

    static final String NETSTAT = """
            TcpExt: SyncookiesSent SyncookiesRecv SyncookiesFailed ListenOverflows ListenDrops TCPReqQFullDoCookies TCPReqQFullDrop
            TcpExt: 3 0 0 65 67 4 1
            IpExt: InNoRoutes InTruncatedPkts
            IpExt: 0 0
            """;
    static final String SNMP = """
            Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails
            Tcp: 1 200 120000 -1 30 17 13
            """;

    @Test
    void readsTheFiveListenCountersAndPassiveOpens() {
        NetstatParser.Parsed parsed = NetstatParser.parse(List.of(NETSTAT, SNMP));
        assertThat(parsed.malformed()).isZero();
        assertThat(parsed.counters()).isEqualTo(new NetnsCounters(65, 67, 1, 4, 3, 17));
    }

    @Test
    void aBrokenPairIsCountedAndTheOthersStillParse() {
        String broken = """
                TcpExt: ListenOverflows ListenDrops
                TcpExt: 5
                IpExt: InNoRoutes
                IpExt: 0
                """;
        NetstatParser.Parsed parsed = NetstatParser.parse(List.of(broken, SNMP));
        assertThat(parsed.malformed()).isPositive();
        assertThat(parsed.values()).doesNotContainKey("TcpExt.ListenOverflows");
        assertThat(parsed.get("Tcp.PassiveOpens")).isEqualTo(17);
    }

    @Test
    void aLostHeaderLineDoesNotShiftLaterPairs() {
        String lostHeader = """
                TcpExt: 1 2 3
                TcpExt: SyncookiesSent ListenOverflows ListenDrops
                TcpExt: 7 8 9
                """;
        NetstatParser.Parsed parsed = NetstatParser.parse(List.of(lostHeader));
        assertThat(parsed.malformed()).isPositive();
        assertThat(parsed.get("TcpExt.ListenOverflows")).isEqualTo(8);
        assertThat(parsed.get("TcpExt.SyncookiesSent")).isEqualTo(7);
    }

    @Test
    void nonNumericValuesAreCounted() {
        NetstatParser.Parsed parsed = NetstatParser.parse(List.of("TcpExt: ListenOverflows ListenDrops\nTcpExt: 4 x\n"));
        assertThat(parsed.malformed()).isEqualTo(1);
        assertThat(parsed.get("TcpExt.ListenOverflows")).isEqualTo(4);
        assertThat(parsed.values()).doesNotContainKey("TcpExt.ListenDrops");
    }

    @Test
    void deltaOfACounterThatWentBackwardsStartsFromZero() {
        NetnsCounters before = new NetnsCounters(100, 100, 0, 0, 0, 10);
        NetnsCounters after = new NetnsCounters(5, 120, 1, 0, 0, 12);
        NetnsCounters delta = after.since(before);
        assertThat(delta.listenOverflows()).isEqualTo(5);
        assertThat(delta.listenDrops()).isEqualTo(20);
        assertThat(delta.synQueueMoved()).isTrue();
    }
}
