package dev.backlogsentinel.agent.procfs;

import dev.backlogsentinel.agent.kernel.NetnsCounters;

import java.util.Arrays;
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

    /** The counters this project reads, by section; every other column is checked for its shape but not kept. */
    static final Map<String, List<String>> WANTED = Map.of(
            "TcpExt", List.of("ListenOverflows", "ListenDrops", "TCPReqQFullDrop", "TCPReqQFullDoCookies", "SyncookiesSent"),
            "Tcp", List.of("PassiveOpens"));

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

    /**
     * Runs for every namespace on every scan, over a few hundred columns: lines are cut by hand
     * (no regex, no array of strings per line), and only the wanted columns become strings.
     */
    private static int parseInto(String text, Map<String, Long> values) {
        int malformed = 0;
        Tokens header = null;
        int lineStart = 0;
        while (lineStart < text.length()) {
            int lineEnd = text.indexOf('\n', lineStart);
            if (lineEnd < 0) {
                lineEnd = text.length();
            }
            int from = lineStart;
            lineStart = lineEnd + 1;
            if (!wantedSection(text, from)) {
                // IpExt, MPTcpExt, Udp...: most of the text, and nothing this project reads.
                header = null;
                continue;
            }
            Tokens tokens = Tokens.of(text, from, lineEnd);
            if (tokens.count < 2 || text.charAt(tokens.end[0] - 1) != ':') {
                malformed += tokens.count == 0 ? 0 : 1;
                header = null;
                continue;
            }
            if (!tokens.isNumber(1)) {
                // A header: a previous header without its values is lost, this one starts afresh.
                malformed += header != null ? 1 : 0;
                header = tokens;
                continue;
            }
            if (header == null || !header.sameToken(0, tokens, 0) || header.count != tokens.count) {
                malformed++;
                header = null;
                continue;
            }
            String prefix = text.substring(tokens.start[0], tokens.end[0] - 1);
            List<String> wanted = WANTED.getOrDefault(prefix, List.of());
            for (int k = 1; k < tokens.count; k++) {
                if (!tokens.isNumber(k)) {
                    malformed++;
                    continue;
                }
                for (String name : wanted) {
                    if (header.is(k, name)) {
                        try {
                            values.put(prefix + "." + name, Long.parseLong(tokens.token(k)));
                        } catch (NumberFormatException e) {
                            malformed++;
                        }
                    }
                }
            }
            header = null;
        }
        return malformed + (header != null ? 1 : 0);
    }

    private static boolean wantedSection(String text, int lineStart) {
        for (String section : WANTED.keySet()) {
            int colon = lineStart + section.length();
            if (text.startsWith(section, lineStart) && colon < text.length() && text.charAt(colon) == ':') {
                return true;
            }
        }
        return false;
    }

    /** The whitespace-separated tokens of one line, as offsets into its text. */
    private static final class Tokens {
        final String text;
        int[] start = new int[64];
        int[] end = new int[64];
        int count;

        private Tokens(String text) {
            this.text = text;
        }

        static Tokens of(String text, int from, int to) {
            Tokens t = new Tokens(text);
            int i = from;
            while (i < to) {
                while (i < to && isSpace(text.charAt(i))) {
                    i++;
                }
                if (i >= to) {
                    break;
                }
                int s = i;
                while (i < to && !isSpace(text.charAt(i))) {
                    i++;
                }
                if (t.count == t.start.length) {
                    t.start = Arrays.copyOf(t.start, t.count * 2);
                    t.end = Arrays.copyOf(t.end, t.count * 2);
                }
                t.start[t.count] = s;
                t.end[t.count] = i;
                t.count++;
            }
            return t;
        }

        private static boolean isSpace(char c) {
            return c == ' ' || c == '\t' || c == '\r';
        }

        String token(int k) {
            return text.substring(start[k], end[k]);
        }

        boolean is(int k, String value) {
            return end[k] - start[k] == value.length() && text.startsWith(value, start[k]);
        }

        boolean sameToken(int k, Tokens other, int j) {
            int len = end[k] - start[k];
            return len == other.end[j] - other.start[j] && text.regionMatches(start[k], other.text, other.start[j], len);
        }

        /** Digits, with an optional leading '-' (snmp's Tcp MaxConn is -1). */
        boolean isNumber(int k) {
            int s = start[k];
            if (text.charAt(s) == '-') {
                s++;
            }
            if (s >= end[k]) {
                return false;
            }
            for (int i = s; i < end[k]; i++) {
                char c = text.charAt(i);
                if (c < '0' || c > '9') {
                    return false;
                }
            }
            return true;
        }
    }
}
