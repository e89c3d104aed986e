package dev.backlogsentinel.agent.procfs;

import dev.backlogsentinel.agent.kernel.NetnsCounters;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Parses /proc/&lt;pid&gt;/net/netstat as the kernel prints it: pairs of lines, a header
 * ("TcpExt: SyncookiesSent ListenOverflows ...") and its values ("TcpExt: 0 65 ..."), each
 * section once. Strict, because an agent that runs as root on every node must not believe a file
 * it does not understand:
 * <ul>
 * <li>a section name is letters and digits followed by ':', a column name letters, digits and '_';</li>
 * <li>a value is an unsigned decimal that fits 64 bits (no sign, kept whole: above 2^63 it is held
 *     as its two's complement, see {@link NetnsCounters});</li>
 * <li>the values line has the header's section and exactly as many fields;</li>
 * <li>a section printed twice, or a column named twice, is refused: neither copy is believed;</li>
 * <li>only ' ' separates fields and only '\n' ends a line; a last line without it was cut, and is refused.</li>
 * </ul>
 * A malformed line pair is counted and skipped; the rest of the file is still read. The listen
 * counters come from TcpExt only; when it is missing, refused, or lacks ListenOverflows, the
 * namespace's counters are unknown (null), never zeros.
 *
 * <p>One parser per open file, called every scan: the header lines are the same each time, so
 * what they say (which columns are wanted, that no name repeats) is kept and re-checked by a plain
 * comparison; a scan then costs one pass over the text and no strings but the five values.
 */
public final class NetstatParser {

    static final String TCP_EXT = "TcpExt";
    /** The columns of TcpExt this project reads, in the order of NetnsCounters' components. */
    static final List<String> WANTED = List.of("ListenOverflows", "ListenDrops", "TCPReqQFullDrop", "TCPReqQFullDoCookies",
            "SyncookiesSent");

    /**
     * One read of the file.
     *
     * @param counters     the listen counters, or null when TcpExt could not be believed
     * @param malformed    line pairs refused
     * @param firstProblem what was wrong with the first of them (null when none)
     */
    public record Parsed(NetnsCounters counters, int malformed, String firstProblem) {
    }

    /** A header line as last seen: its text, and what was learnt from it. */
    private record Header(String text, int fields, boolean duplicateNames, int[] wanted) {
    }

    /** A line of the text: its number (from 1), [start, end) without its '\n', and whether it had none. */
    private record Line(int number, int start, int end, boolean cut) {
    }

    private final List<Header> headers = new ArrayList<>();
    // What one read has found so far: reset by each parse.
    private int malformed;
    private String firstProblem;
    private final Set<String> sections = new HashSet<>();
    private long[] tcpExt;
    private Header tcpExtHeader;
    private boolean tcpExtRefused;

    public Parsed parse(String text) {
        malformed = 0;
        firstProblem = null;
        sections.clear();
        tcpExt = null;
        tcpExtHeader = null;
        tcpExtRefused = false;
        Line headerLine = null;
        int pos = 0;
        int lineNo = 0;
        while (pos < text.length()) {
            Line line = nextLine(text, pos, ++lineNo);
            pos = line.end() + 1;
            if (headerLine != null && readPair(text, headerLine, line)) {
                headerLine = null;
            } else {
                headerLine = line;
            }
        }
        if (headerLine != null && headerLine.end() > headerLine.start()) {
            problem("line " + lineNo + " is a header without values: " + excerpt(text, headerLine.start(), headerLine.end()));
        }
        NetnsCounters counters = listenCounters();
        return new Parsed(counters, malformed, firstProblem);
    }

    /** The line that starts at pos. */
    private static Line nextLine(String text, int pos, int number) {
        int end = text.indexOf('\n', pos);
        // The kernel ends every line with '\n': a last line without one was cut (its last value may be short).
        return end < 0 ? new Line(number, pos, text.length(), true) : new Line(number, pos, end, false);
    }

    /**
     * Reads a header and the line after it as its values: same section, as many fields, names then
     * numbers. False when the line is not the header's values (the header is not one, or the line
     * is of another section): it may be the next header.
     */
    private boolean readPair(String text, Line headerLine, Line line) {
        Header header = header(text, headerLine.start(), headerLine.end());
        if (header == null) {
            problem("line " + headerLine.number() + " is not a header: " + excerpt(text, headerLine.start(), headerLine.end()));
            // The line read as values may be the next header: resynchronise on it.
            return false;
        }
        String section = header.text().substring(0, header.text().indexOf(':'));
        if (!text.startsWith(section + ":", line.start())) {
            problem("line " + line.number() + " does not continue section " + section);
            return false;
        }
        if (line.cut()) {
            problem("line " + line.number() + " (" + section + " values) has no newline: the file was cut");
            return true;
        }
        long[] values = values(text, line.start() + section.length() + 1, line.end(), header);
        if (values == null) {
            problem("line " + line.number() + " (" + section + " values) has " + describeFields(text, line.start(), line.end(), section)
                    + " where the header has " + (header.fields()) + " numbers");
            return true;
        }
        keepSection(section, header, values);
        return true;
    }

    /** A section printed twice, or naming a column twice, is refused: neither copy is believed. */
    private void keepSection(String section, Header header, long[] values) {
        if (!sections.add(section)) {
            problem("section " + section + " printed twice");
            tcpExtRefused |= section.equals(TCP_EXT);
        } else if (header.duplicateNames()) {
            problem("section " + section + " names a column twice");
            tcpExtRefused |= section.equals(TCP_EXT);
        } else if (section.equals(TCP_EXT)) {
            tcpExt = values;
            tcpExtHeader = header;
        }
    }

    /** The listen counters from TcpExt: null, never zeros, when it is missing, refused, or lacks ListenOverflows. */
    private NetnsCounters listenCounters() {
        if (tcpExt == null || tcpExtRefused) {
            if (!tcpExtRefused) {
                problem("no TcpExt section");
            }
            return null;
        }
        if (tcpExtHeader.wanted()[0] < 0) {
            problem("TcpExt has no ListenOverflows column");
            return null;
        }
        // A column an older kernel does not print (TCPReqQFullDoCookies before 3.x) reads as 0.
        return new NetnsCounters(tcpExt[0], tcpExt[1], tcpExt[2], tcpExt[3], tcpExt[4]);
    }

    private void problem(String what) {
        if (malformed++ == 0) {
            firstProblem = what;
        }
    }

    /** The header at [start, end), from the cache when its text is unchanged; null when it is not a header. */
    private Header header(String text, int start, int end) {
        int len = end - start;
        for (Header h : headers) {
            if (h.text().length() == len && text.regionMatches(start, h.text(), 0, len)) {
                return h;
            }
        }
        Header h = parseHeader(text.substring(start, end));
        if (h != null) {
            if (headers.size() >= 16) {
                // A kernel prints three or four sections; a file with ever-changing headers is not one.
                headers.clear();
            }
            headers.add(h);
        }
        return h;
    }

    private static Header parseHeader(String line) {
        int colon = line.indexOf(':');
        if (colon <= 0 || !isWord(line, 0, colon, false)) {
            return null;
        }
        String section = line.substring(0, colon);
        List<String> names = new ArrayList<>();
        int i = colon + 1;
        while (i < line.length()) {
            if (line.charAt(i) != ' ') {
                return null;
            }
            int s = i + 1;
            int e = s;
            while (e < line.length() && line.charAt(e) != ' ') {
                e++;
            }
            if (!isWord(line, s, e, true)) {
                return null;
            }
            names.add(line.substring(s, e));
            i = e;
        }
        if (names.isEmpty()) {
            return null;
        }
        boolean duplicates = new HashSet<>(names).size() != names.size();
        int[] wanted = null;
        if (section.equals(TCP_EXT)) {
            wanted = new int[WANTED.size()];
            for (int k = 0; k < wanted.length; k++) {
                wanted[k] = names.indexOf(WANTED.get(k));
            }
        }
        return new Header(line, names.size(), duplicates, wanted);
    }

    /** Letters and digits (and '_' in a column name), at least one, and not starting with a digit. */
    private static boolean isWord(String s, int from, int to, boolean underscore) {
        if (to <= from || Character.isDigit(s.charAt(from))) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (underscore && c == '_');
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * The values after "Section:", each " " followed by an unsigned decimal; exactly as many as
     * the header has names. For TcpExt the wanted ones, by position (0 where the header has no
     * such column); for other sections an empty array. Null when the line is not that.
     */
    private static long[] values(String text, int from, int end, Header header) {
        int[] wanted = header.wanted();
        long[] out = wanted == null ? new long[0] : new long[wanted.length];
        int field = 0;
        int i = from;
        while (i < end) {
            if (text.charAt(i) != ' ') {
                return null;
            }
            int s = ++i;
            long value = 0;
            while (i < end && text.charAt(i) != ' ') {
                char c = text.charAt(i);
                if (c < '0' || c > '9') {
                    return null;
                }
                int digit = c - '0';
                // Unsigned 64-bit overflow: value * 10 + digit > 2^64 - 1.
                if (Long.compareUnsigned(value, Long.divideUnsigned(-1L - digit, 10)) > 0) {
                    return null;
                }
                value = value * 10 + digit;
                i++;
            }
            if (i == s) {
                return null;
            }
            if (wanted != null) {
                for (int k = 0; k < wanted.length; k++) {
                    if (wanted[k] == field) {
                        out[k] = value;
                    }
                }
            }
            field++;
        }
        return field == header.fields() ? out : null;
    }

    private static String describeFields(String text, int start, int end, String section) {
        int n = 0;
        boolean inField = false;
        for (int i = start + section.length() + 1; i < end; i++) {
            boolean space = text.charAt(i) == ' ';
            if (!space && !inField) {
                n++;
            }
            inField = !space;
        }
        return n + " fields (or not all unsigned decimals)";
    }

    private static String excerpt(String text, int start, int end) {
        String s = text.substring(start, Math.min(end, start + 60));
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return end - start > 60 ? out + "..." : out.toString();
    }
}
