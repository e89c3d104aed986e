package dev.backlogsentinel.agent.procfs;

import dev.backlogsentinel.agent.kernel.Addresses;
import dev.backlogsentinel.agent.kernel.Endpoint;
import dev.backlogsentinel.agent.kernel.Family;
import dev.backlogsentinel.agent.kernel.ListenerSample;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Parses /proc/&lt;pid&gt;/net/tcp or tcp6, one line at a time. LISTEN lines (state 0A) give the
 * accept-queue depth in rx_queue; SYN_RECV request sockets are state 03 lines. The kernel prints
 * listeners first, so without SYN_RECV the parse stops at the first other line and never pays for
 * the rest of the (host-wide) table.
 */
public final class TcpTableParser implements ProcFile.LineConsumer {

    static final String STATE_LISTEN = "0A";
    static final String STATE_SYN_RECV = "03";

    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    private final Family family;
    private final boolean withSynRecv;
    private final List<ListenerSample> listeners = new ArrayList<>();
    private final Map<Endpoint, Integer> synRecv = new HashMap<>();
    private int malformed;
    private String firstMalformed;

    public TcpTableParser(Family family, boolean withSynRecv) {
        this.family = family;
        this.withSynRecv = withSynRecv;
    }

    @Override
    public boolean accept(String line) {
        String trimmed = line.strip();
        if (trimmed.isEmpty() || trimmed.startsWith("sl")) {
            return true;
        }
        String[] f = WHITESPACE.split(trimmed);
        if (f.length < 10 || f[3].length() != 2) {
            return malformed(line);
        }
        String state = f[3];
        boolean listen = state.equals(STATE_LISTEN);
        if (!listen && !withSynRecv) {
            return false;
        }
        if (!listen && !state.equals(STATE_SYN_RECV)) {
            return true;
        }
        try {
            Endpoint local = endpoint(f[1]);
            if (listen) {
                int colon = f[4].indexOf(':');
                if (colon < 0) {
                    return malformed(line);
                }
                long rx = Long.parseLong(f[4], colon + 1, f[4].length(), 16);
                long inode = Long.parseLong(f[9]);
                listeners.add(new ListenerSample(local, inode, (int) Math.min(rx, Integer.MAX_VALUE), null, null));
            } else {
                synRecv.merge(local, 1, Integer::sum);
            }
        } catch (IllegalArgumentException e) {
            return malformed(line);
        }
        return true;
    }

    private boolean malformed(String line) {
        if (malformed++ == 0) {
            firstMalformed = line.length() > 120 ? line.substring(0, 120) + "…" : line;
        }
        return true;
    }

    private Endpoint endpoint(String field) {
        int colon = field.indexOf(':');
        int hexLen = family == Family.IPv4 ? 8 : 32;
        if (colon != hexLen || field.length() != hexLen + 5) {
            throw new IllegalArgumentException("bad address " + field);
        }
        byte[] addr = new byte[hexLen / 2];
        // Each 32-bit word is printed in host (little-endian) order.
        for (int word = 0; word < hexLen / 8; word++) {
            long v = Long.parseLong(field, word * 8, word * 8 + 8, 16);
            for (int b = 0; b < 4; b++) {
                addr[word * 4 + b] = (byte) (v >>> (8 * b));
            }
        }
        int port = Integer.parseInt(field, colon + 1, field.length(), 16);
        return new Endpoint(family, Addresses.format(addr), port);
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

    /** The first unreadable line, for the error message; null when there was none. */
    public String firstMalformed() {
        return firstMalformed;
    }
}
