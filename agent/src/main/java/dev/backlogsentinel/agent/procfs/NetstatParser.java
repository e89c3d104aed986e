package dev.backlogsentinel.agent.procfs;

import dev.backlogsentinel.agent.kernel.NetnsCounters;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

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

    // Runs for every namespace on every scan: compile once.
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    private static final Pattern NEWLINE = Pattern.compile("\n");

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
        String[] header = null;
        for (String line : NEWLINE.split(text)) {
            String[] tokens = WHITESPACE.split(line.strip());
            if (tokens.length < 2 || !tokens[0].endsWith(":")) {
                malformed += line.isBlank() ? 0 : 1;
                header = null;
                continue;
            }
            if (!isNumber(tokens[1])) {
                // A header: a previous header without its values is lost, this one starts afresh.
                malformed += header != null ? 1 : 0;
                header = tokens;
                continue;
            }
            if (header == null || !header[0].equals(tokens[0]) || header.length != tokens.length) {
                malformed++;
                header = null;
                continue;
            }
            String prefix = tokens[0].substring(0, tokens[0].length() - 1);
            for (int k = 1; k < tokens.length; k++) {
                try {
                    values.put(prefix + "." + header[k], Long.parseLong(tokens[k]));
                } catch (NumberFormatException e) {
                    malformed++;
                }
            }
            header = null;
        }
        return malformed + (header != null ? 1 : 0);
    }

    private static boolean isNumber(String token) {
        return !token.isEmpty() && (Character.isDigit(token.charAt(0)) || token.charAt(0) == '-');
    }
}
