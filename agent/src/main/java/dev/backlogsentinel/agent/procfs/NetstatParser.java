package dev.backlogsentinel.agent.procfs;

import dev.backlogsentinel.agent.kernel.NetnsCounters;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses the header/value line pairs of /proc/net/netstat and /proc/net/snmp
 * ("TcpExt: ListenOverflows ..." followed by "TcpExt: 12 ..."). A pair whose lines disagree is
 * skipped and counted; the others still count.
 */
public final class NetstatParser {

    /** Counters found, and how many line pairs were unreadable. */
    public record Parsed(Map<String, Long> values, int malformed) {

        public long get(String key) {
            return values.getOrDefault(key, 0L);
        }

        /** The five listen-queue counters this project reports, plus PassiveOpens for context. */
        public NetnsCounters counters() {
            return new NetnsCounters(get("TcpExt.ListenOverflows"), get("TcpExt.ListenDrops"),
                    get("TcpExt.TCPReqQFullDrop"), get("TcpExt.TCPReqQFullDoCookies"),
                    get("TcpExt.SyncookiesSent"), get("Tcp.PassiveOpens"));
        }
    }

    private NetstatParser() {
    }

    public static Parsed parse(List<String> texts) {
        Map<String, Long> values = new HashMap<>();
        int malformed = 0;
        for (String text : texts) {
            malformed += parseInto(text, values);
        }
        return new Parsed(values, malformed);
    }

    private static int parseInto(String text, Map<String, Long> values) {
        int malformed = 0;
        String[] lines = text.split("\n");
        for (int i = 0; i + 1 < lines.length; i += 2) {
            String[] names = lines[i].trim().split("\\s+");
            String[] numbers = lines[i + 1].trim().split("\\s+");
            if (names.length < 2 || !names[0].endsWith(":") || !names[0].equals(numbers[0])
                    || names.length != numbers.length) {
                malformed++;
                // Re-synchronise on the next line: a lost header must not shift every later pair.
                i -= 1;
                continue;
            }
            String prefix = names[0].substring(0, names[0].length() - 1);
            for (int k = 1; k < names.length; k++) {
                try {
                    values.put(prefix + "." + names[k], Long.parseLong(numbers[k]));
                } catch (NumberFormatException e) {
                    malformed++;
                }
            }
        }
        return malformed;
    }
}
