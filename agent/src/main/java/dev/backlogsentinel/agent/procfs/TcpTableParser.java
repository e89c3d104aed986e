package dev.backlogsentinel.agent.procfs;

import dev.backlogsentinel.agent.kernel.Addresses;
import dev.backlogsentinel.agent.kernel.Endpoint;
import dev.backlogsentinel.agent.kernel.Family;
import dev.backlogsentinel.agent.kernel.ListenerSample;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses /proc/&lt;pid&gt;/net/tcp or tcp6, one line at a time. LISTEN lines (state 0A) give the
 * accept-queue depth in rx_queue; SYN_RECV request sockets are state 03 lines. The kernel prints
 * listeners first, so without SYN_RECV the parse stops at the first other line and never pays for
 * the rest of the (host-wide) table.
 *
 * <p>Strict, because an agent that runs as root on every node must not believe a file it does not
 * understand. A line is believed only in the exact shape the kernel prints it (tcp4_seq_show and
 * tcp6_seq_show, net/ipv4/tcp_ipv4.c and net/ipv6/tcp_ipv6.c):
 * <pre>
 * full socket  %4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu %d %pK %lu %lu %u %u %d
 * request sock %4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %u %d %pK
 * time-wait    %4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5d %8d %d %d %pK
 * </pre>
 * (tcp6: 32 hex digits per address, four 32-bit words in host order). So:
 * <ul>
 * <li>hex is upper case and exactly as wide as printed (a u32 is 8 digits, a port 4, a state 2;
 *     the timer's %08lX 8 to 16 digits without a leading zero past 8); no sign anywhere but in a
 *     %d field, decimals without leading zeros, each within its C type's range;</li>
 * <li>fields are separated by exactly one space, plus the padding a width asks for (%4d, %5u, %8d);
 *     the 17 columns of a socket, or the 12 of a request or time-wait socket (SYN_RECV, FIN_WAIT2,
 *     TIME_WAIT only): a line with a column removed or added is malformed, never shifted;</li>
 * <li>a state is 01 to 0B (what the kernel prints); a LISTEN line has the 17 columns;</li>
 * <li>tcp pads every line with spaces to 149 characters (seq_pad to TMPSZ - 1), tcp6 does not:
 *     trailing spaces are allowed only as that padding; only '\n' ends a line ('\r' is malformed),
 *     and a last line without it was cut;</li>
 * <li>the first line is the family's header exactly; the same socket inode listed twice as a
 *     listener is refused the second time.</li>
 * </ul>
 * Values are kept whole: rx_queue and tx_queue are unsigned 32-bit (FFFFFFFF is 4294967295).
 * A malformed line is counted and skipped, and the read goes on: only a well-formed line that is
 * not LISTEN ends a LISTEN-only read. An empty file has no listeners and is not an error.
 */
public final class TcpTableParser implements ProcFile.LineConsumer {

    static final String STATE_LISTEN = "0A";
    static final String STATE_SYN_RECV = "03";

    /** tcp4_seq_show's header (then padded to {@link #V4_WIDTH}). */
    static final String HEADER_V4 = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
    /** tcp6_seq_show's header. */
    static final String HEADER_V6 = "  sl  local_address                         remote_address                        st tx_queue rx_queue "
            + "tr tm->when retrnsmt   uid  timeout inode";
    /** tcp4_seq_show pads each line to TMPSZ - 1 = 149 characters (seq_setwidth, seq_pad). */
    static final int V4_WIDTH = 149;

    private static final int ST_LISTEN = 0x0A;
    private static final int ST_SYN_RECV = 0x03;
    private static final int ST_FIN_WAIT2 = 0x05;
    private static final int ST_TIME_WAIT = 0x06;
    private static final int ST_CLOSING = 0x0B;

    private final Family family;
    private final boolean withSynRecv;
    private final List<ListenerSample> listeners = new ArrayList<>();
    private final Map<Endpoint, Integer> synRecv = new HashMap<>();
    private final Set<Long> listenerInodes = new HashSet<>();
    private int lineNo;
    private int malformed;
    private String firstMalformed;
    private String firstProblem;

    public TcpTableParser(Family family, boolean withSynRecv) {
        this.family = family;
        this.withSynRecv = withSynRecv;
    }

    /** Why a line is refused (no stack trace: malformed input is expected, and counted). */
    private static final class Refused extends Exception {
        Refused(String why) {
            super(why, null, false, false);
        }
    }

    /** A line taken apart: what the agent uses of it. */
    private record Line(int state, byte[] local, int localPort, long rxQueue, long inode, boolean requestOrTimeWait) {
    }

    @Override
    public boolean accept(String line) {
        lineNo++;
        if (lineNo == 1) {
            if (isHeader(line)) {
                return true;
            }
            // No header: a file that is not what the kernel prints, said once; a line that still has
            // a socket's exact shape is believed (each line says all it means), others are refused.
            Line parsed = parseOrNull(line);
            if (parsed == null) {
                return malformed(line, reason(line));
            }
            malformed(line, "the first line is not the " + (family == Family.IPv4 ? "tcp" : "tcp6") + " header");
            return use(parsed, line);
        }
        Line parsed;
        try {
            parsed = parse(line);
        } catch (Refused e) {
            return malformed(line, isHeader(line) ? "a second header" : e.getMessage());
        }
        return use(parsed, line);
    }

    /** The kernel ends every line with '\n': a last line without one was cut, and is not believed. */
    @Override
    public void unterminated(String line) {
        lineNo++;
        malformed(line, "the last line has no newline (the file was cut)");
    }

    private boolean use(Line parsed, String line) {
        boolean listen = parsed.state() == ST_LISTEN;
        if (!listen && !withSynRecv) {
            return false;
        }
        if (listen) {
            if (parsed.inode() != 0 && !listenerInodes.add(parsed.inode())) {
                return malformed(line, "socket inode " + parsed.inode() + " listed twice");
            }
            Endpoint local = new Endpoint(family, Addresses.format(parsed.local()), parsed.localPort());
            listeners.add(new ListenerSample(local, parsed.inode(), parsed.rxQueue(), null, null));
        } else if (parsed.state() == ST_SYN_RECV) {
            synRecv.merge(new Endpoint(family, Addresses.format(parsed.local()), parsed.localPort()), 1, Integer::sum);
        }
        return true;
    }

    private boolean isHeader(String line) {
        if (family == Family.IPv6) {
            return line.equals(HEADER_V6);
        }
        return line.startsWith(HEADER_V4) && paddedTo(line, HEADER_V4.length());
    }

    /** tcp's seq_pad: nothing after {@code contentEnd}, or spaces up to exactly {@link #V4_WIDTH}. */
    private static boolean paddedTo(String line, int contentEnd) {
        if (line.length() == contentEnd) {
            return true;
        }
        if (line.length() != V4_WIDTH || contentEnd >= V4_WIDTH) {
            return false;
        }
        for (int i = contentEnd; i < line.length(); i++) {
            if (line.charAt(i) != ' ') {
                return false;
            }
        }
        return true;
    }

    private boolean malformed(String line, String why) {
        if (malformed++ == 0) {
            firstMalformed = excerpt(line, 120);
            firstProblem = "line " + lineNo + ": " + why + ": " + printable(firstMalformed);
        }
        return true;
    }

    private Line parseOrNull(String line) {
        try {
            return parse(line);
        } catch (Refused e) {
            return null;
        }
    }

    private String reason(String line) {
        try {
            parse(line);
            return "unreadable";
        } catch (Refused e) {
            return e.getMessage();
        }
    }

    // ---- the line, field by field, as the format string prints it ----

    private Line parse(String s) throws Refused {
        Cursor c = new Cursor(s);
        Line line = readCommonColumns(c);
        if (c.atEnd(family)) {
            return shortForm(line);
        }
        readFullSocketColumns(c);
        if (!c.atEnd(family)) {
            throw new Refused(c.pos < s.length() && s.charAt(c.pos) == ' ' ? "more than 17 columns" : "junk after the last column");
        }
        return line;
    }

    /** The 12 columns every line has, sl to the pointer, read as a full socket's line ({@link #shortForm} marks one that ends there). */
    private Line readCommonColumns(Cursor c) throws Refused {
        c.paddedDecimal(4, false, Integer.MAX_VALUE, "sl");
        c.expect(':', "sl");
        c.expect(' ', "local_address");
        byte[] local = c.address(family, "local_address");
        c.expect(':', "local_address");
        int localPort = (int) c.hex(4, 4, "local port");
        c.expect(' ', "rem_address");
        c.address(family, "rem_address");
        c.expect(':', "rem_address");
        c.hex(4, 4, "remote port");
        c.expect(' ', "st");
        int state = readState(c);
        c.expect(' ', "tx_queue");
        c.hex(8, 8, "tx_queue");
        c.expect(':', "tx_queue:rx_queue");
        long rx = c.hex(8, 8, "rx_queue");
        c.expect(' ', "tr");
        c.hex(2, 2, "tr");
        c.expect(':', "tr:tm->when");
        c.hex(8, 16, "tm->when");
        c.expect(' ', "retrnsmt");
        c.hex(8, 8, "retrnsmt");
        c.expect(' ', "uid");
        c.paddedDecimal(5, true, 0xFFFFFFFFL, "uid");
        c.expect(' ', "timeout");
        c.paddedDecimal(8, true, Integer.MAX_VALUE, "timeout");
        c.expect(' ', "inode");
        long inode = c.decimal(false, Long.MAX_VALUE, "inode");
        c.expect(' ', "refcount");
        c.decimal(true, Integer.MAX_VALUE, "refcount");
        c.expect(' ', "pointer");
        c.pointer();
        return new Line(state, local, localPort, rx, inode, false);
    }

    /** A state the kernel prints: 01 to 0B. */
    private static int readState(Cursor c) throws Refused {
        int state = (int) c.hex(2, 2, "st");
        if (state < 0x01 || state > ST_CLOSING) {
            throw new Refused("no such state " + String.format("%02X", state));
        }
        return state;
    }

    /** A line that ends after its pointer: it must be a request or time-wait socket's. */
    private static Line shortForm(Line line) throws Refused {
        int state = line.state();
        // A request socket (SYN_RECV) or a time-wait one (its substate FIN_WAIT2 or TIME_WAIT): 12 columns, no inode.
        if (state != ST_SYN_RECV && state != ST_FIN_WAIT2 && state != ST_TIME_WAIT) {
            throw new Refused("12 columns for state " + String.format("%02X", state) + " (a socket has 17)");
        }
        if (line.inode() != 0) {
            throw new Refused("a request or time-wait socket with inode " + line.inode());
        }
        return new Line(state, line.local(), line.localPort(), line.rxQueue(), line.inode(), true);
    }

    /** The 5 columns only a full socket has, after its pointer. */
    private static void readFullSocketColumns(Cursor c) throws Refused {
        c.expect(' ', "rto");
        c.decimal(false, Long.MAX_VALUE, "rto");
        c.expect(' ', "ato");
        c.decimal(false, Long.MAX_VALUE, "ato");
        c.expect(' ', "quick/pingpong");
        c.decimal(false, 0xFFFFFFFFL, "quick/pingpong");
        c.expect(' ', "snd_cwnd");
        c.decimal(false, 0xFFFFFFFFL, "snd_cwnd");
        c.expect(' ', "ssthresh");
        c.decimal(true, Integer.MAX_VALUE, "ssthresh");
    }

    /** A position in one line. */
    private static final class Cursor {
        final String s;
        int pos;

        Cursor(String s) {
            this.s = s;
        }

        void expect(char ch, String field) throws Refused {
            if (pos >= s.length()) {
                throw new Refused("ends before " + field + " (too few columns)");
            }
            if (s.charAt(pos) != ch) {
                throw new Refused(describe(s.charAt(pos)) + " where " + (ch == ' ' ? "a space" : "'" + ch + "'")
                        + " belongs, at " + field);
            }
            pos++;
        }

        /** Upper-case hex digits, {@code min} to {@code max} of them (past min, no leading zero). */
        long hex(int min, int max, String field) throws Refused {
            int start = pos;
            long v = 0;
            while (pos < s.length() && pos - start < max + 1) {
                char ch = s.charAt(pos);
                int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
                if (d < 0) {
                    break;
                }
                v = (v << 4) | d;
                pos++;
            }
            int n = pos - start;
            if (n < min || n > max) {
                if (n == 0 && pos < s.length()) {
                    throw new Refused(describe(s.charAt(pos)) + " in " + field + " (upper-case hex only)");
                }
                throw new Refused(field + " has " + n + " hex digits (the kernel prints " + (min == max ? min : min + " to " + max) + ")");
            }
            if (n > min && s.charAt(start) == '0') {
                throw new Refused(field + " is zero-padded past " + min + " digits");
            }
            return v;
        }

        /** An address: 8 hex digits (IPv4) or four 8-digit words (IPv6), each word in host (little-endian) order. */
        byte[] address(Family family, String field) throws Refused {
            int words = family == Family.IPv4 ? 1 : 4;
            byte[] addr = new byte[4 * words];
            for (int w = 0; w < words; w++) {
                long v = 0;
                for (int i = 0; i < 8; i++) {
                    char ch = pos < s.length() ? s.charAt(pos) : 0;
                    int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
                    if (d < 0) {
                        throw new Refused(field + " is not " + 8 * words + " upper-case hex digits");
                    }
                    v = (v << 4) | d;
                    pos++;
                }
                for (int b = 0; b < 4; b++) {
                    addr[w * 4 + b] = (byte) (v >>> (8 * b));
                }
            }
            return addr;
        }

        /**
         * A decimal as %Nd / %Nu prints it: spaces up to the width, then the digits (a '-' first
         * only when {@code signed}), no leading zero, at most {@code max}.
         */
        long paddedDecimal(int width, boolean signed, long max, String field) throws Refused {
            int start = pos;
            while (pos < s.length() && s.charAt(pos) == ' ') {
                pos++;
            }
            int spaces = pos - start;
            long v = decimal(signed, max, field);
            int printed = pos - start - spaces;
            if (spaces != Math.max(0, width - printed)) {
                throw new Refused(field + " is not padded to " + width + " characters (column missing or added?)");
            }
            return v;
        }

        /** A decimal as %d / %u / %lu prints it: no padding, no '+', '-' only when signed, no leading zero. */
        long decimal(boolean signed, long max, String field) throws Refused {
            boolean negative = false;
            if (pos < s.length() && s.charAt(pos) == '-') {
                if (!signed) {
                    throw new Refused("a sign in " + field + " (unsigned)");
                }
                negative = true;
                pos++;
            }
            int start = pos;
            long v = 0;
            // A two's complement minimum is one more than the maximum (%d of INT_MIN is -2147483648).
            long limit = negative ? max + 1 : max;
            while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
                int d = s.charAt(pos) - '0';
                if (v > (limit - d) / 10) {
                    throw new Refused(field + " is out of range");
                }
                v = v * 10 + d;
                pos++;
            }
            int n = pos - start;
            if (n == 0) {
                throw new Refused(pos < s.length() ? describe(s.charAt(pos)) + " in " + field + " (a decimal)"
                        : "ends before " + field + " (too few columns)");
            }
            if (n > 1 && s.charAt(start) == '0') {
                throw new Refused(field + " has a leading zero");
            }
            if (negative && v == 0) {
                throw new Refused(field + " is -0");
            }
            return negative ? -v : v;
        }

        /** %pK: a pointer, lower-case hex of the machine's width (zeros when hidden), or the "(ptrval)" placeholder. */
        void pointer() throws Refused {
            for (String placeholder : new String[] {"(____ptrval____)", "(ptrval)"}) {
                if (s.startsWith(placeholder, pos)) {
                    pos += placeholder.length();
                    return;
                }
            }
            int start = pos;
            while (pos < s.length() && ((s.charAt(pos) >= '0' && s.charAt(pos) <= '9') || (s.charAt(pos) >= 'a' && s.charAt(pos) <= 'f'))) {
                pos++;
            }
            int n = pos - start;
            if (n != 16 && n != 8) {
                throw new Refused("pointer has " + n + " hex digits (16, or 8 on a 32-bit kernel)");
            }
        }

        /** The end of the line's content: nothing more, or (tcp) only its padding to 149 characters. */
        boolean atEnd(Family family) {
            if (pos == s.length()) {
                return true;
            }
            return family == Family.IPv4 && paddedTo(s, pos);
        }

        private static String describe(char ch) {
            if (ch == '\r') {
                return "a carriage return";
            }
            if (ch == '-' || ch == '+') {
                return "a sign '" + ch + "'";
            }
            return ch >= 0x20 && ch < 0x7f ? "'" + ch + "'" : String.format("byte 0x%02x", (int) ch);
        }
    }

    private static String excerpt(String line, int max) {
        return line.length() > max ? line.substring(0, max) + "…" : line;
    }

    private static String printable(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            out.append(ch >= 0x20 && ch < 0x7f || ch == '…' ? ch : '?');
        }
        return out.toString();
    }

    public List<ListenerSample> listeners() {
        return listeners;
    }

    public Map<Endpoint, Integer> synRecv() {
        return synRecv;
    }

    public int malformed() {
        return malformed;
    }

    /** The first unreadable line (cut to 120 characters), for the error message; null when there was none. */
    public String firstMalformed() {
        return firstMalformed;
    }

    /** What was wrong with the first unreadable line, with its number: "line 3: a sign in inode (unsigned): ..."; null when none. */
    public String firstProblem() {
        return firstProblem;
    }
}
