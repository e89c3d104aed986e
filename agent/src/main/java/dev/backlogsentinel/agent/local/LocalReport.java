package dev.backlogsentinel.agent.local;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.backlogsentinel.agent.attribution.SocketOwner;
import dev.backlogsentinel.agent.kernel.NetnsCounters;
import dev.backlogsentinel.agent.kernel.NetnsKnobs;
import dev.backlogsentinel.agent.kernel.ScanErrors;
import dev.backlogsentinel.agent.scan.ListenerFinding;
import dev.backlogsentinel.agent.scan.NetnsScan;
import dev.backlogsentinel.agent.scan.NodeScan;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON document of `--output json`: one scan of every listener in every namespace. Field names
 * are a contract (scripts read them); additions go at the end of a record.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record LocalReport(String reader, String readerNote, String scannedAt, double scanMillis,
        Map<String, Integer> errors, List<Namespace> namespaces, List<ErrorDetail> errorDetails) {

    /**
     * One of the first errors of the scan (ScanErrors.MAX_DETAILS of them), with where it happened.
     *
     * @param kind    as in {@code errors} (vanished, permission, malformed, oversized, missing, read)
     * @param file    the file it concerns, or null
     * @param netns   the namespace's ns/net inode (as {@code namespaces[].netns}), or null
     * @param key     the namespace's key (as {@code namespaces[].key}) when known, or null
     * @param count   how many errors this stands for (e.g. malformed lines of one file)
     * @param message what was wrong
     */
    public record ErrorDetail(String kind, String file, Long netns, Long key, int count, String message) {
    }

    /**
     * @param netns       ns/net inode (as lsns and `ip netns identify` show), null when not readable
     * @param podUid      the pod whose namespace this is, or null
     * @param attribution host, pod, shared, none or unrecognised
     * @param key         the agent's identity for the namespace (inode of its /proc net/tcp entry)
     * @param sysctls     the namespace's TCP knobs as read from inside it (somaxconn among them)
     */
    public record Namespace(Long netns, String podUid, Integer somaxconn, Counters counters, List<Listener> listeners,
            String attribution, List<String> containerIds, String reader, long key, List<Integer> pids,
            Counters countersDelta, Sysctls sysctls) {
    }

    /** null where the reader cannot see a knob (procfs, for other namespaces than the agent's). */
    public record Sysctls(Integer somaxconn, Integer tcpSyncookies, Integer tcpAbortOnOverflow, Integer tcpMaxSynBacklog) {

        static Sysctls of(NetnsKnobs s) {
            return new Sysctls(s.somaxconn(), s.tcpSyncookies(), s.tcpAbortOnOverflow(), s.tcpMaxSynBacklog());
        }
    }

    /**
     * The process holding the socket, as {@code ss -ltnp} shows it (the lowest pid of its holders).
     *
     * @param holders     how many processes hold the socket (a pre-forking server's master and workers)
     * @param containerId the container it runs in (from its cgroup), or null
     * @param server      the server software when recognised (nginx, java, node, go, ...), or null
     */
    public record Process(int pid, String command, int fd, int holders, String containerId, String server) {

        static Process of(SocketOwner o) {
            return o == null ? null : new Process(o.pid(), o.command(), o.fd(), o.holders(), o.containerId(),
                    o.server() == null ? null : o.server().id());
        }
    }

    /** The kernel's unsigned 64-bit counters, printed as the numbers they are (see NetnsCounters). */
    public record Counters(@JsonSerialize(using = Unsigned.class) long listenOverflows, @JsonSerialize(using = Unsigned.class) long listenDrops,
            @JsonSerialize(using = Unsigned.class) long reqQFullDrop, @JsonSerialize(using = Unsigned.class) long reqQFullDoCookies,
            @JsonSerialize(using = Unsigned.class) long syncookiesSent) {

        static Counters of(NetnsCounters c) {
            return c == null ? null
                    : new Counters(c.listenOverflows(), c.listenDrops(), c.reqQFullDrop(), c.reqQFullDoCookies(), c.syncookiesSent());
        }
    }

    /**
     * @param limitedBy backlog, somaxconn, or unknown
     * @param drops     the socket's own drop counter (netlink reader only)
     * @param process   the process holding the socket, or null when not known
     */
    public record Listener(String family, String address, int port, long depth, Integer limit, String limitedBy,
            Double usagePercent, boolean full, int synRecv, Long drops, long inode, Process process) {

        static Listener of(ListenerFinding f) {
            return new Listener(f.endpoint().family().name(), f.endpoint().address(), f.endpoint().port(), f.depth(),
                    f.limit(), f.limitedBy().label(), f.usagePercent(), f.full(), f.synRecv(), f.drops(), f.inode(),
                    Process.of(f.owner()));
        }
    }

    /** Writes a long as the unsigned number it holds. */
    static final class Unsigned extends StdSerializer<Long> {
        Unsigned() {
            super(Long.class);
        }

        @Override
        public void serialize(Long value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeNumber(Long.toUnsignedString(value));
        }
    }

    public static LocalReport of(NodeScan scan) {
        Map<String, Integer> errors = new TreeMap<>();
        scan.errors().counts().forEach((k, v) -> errors.put(k.label(), v));
        List<Namespace> namespaces = scan.namespaces().stream().map(LocalReport::namespace).toList();
        return new LocalReport(scan.reader(), scan.readerNote(), scan.at().toString(), scan.took().toNanos() / 1e6, errors,
                namespaces, errorDetails(scan));
    }

    /** The scan's error details, each with its namespace where the caller did not know it but the file's pid tells. */
    static List<ErrorDetail> errorDetails(NodeScan scan) {
        List<ErrorDetail> out = new ArrayList<>();
        for (ScanErrors.Detail d : scan.errors().details()) {
            Long netns = d.netns();
            Long key = d.key();
            if (netns == null && key == null) {
                NetnsScan ns = namespaceOf(scan, pidIn(d.file()));
                if (ns != null) {
                    netns = ns.nsInode();
                    key = ns.key();
                }
            }
            out.add(new ErrorDetail(d.kind().label(), d.file(), netns, key, d.count(), d.message()));
        }
        return out;
    }

    /** The namespace a process of the scan belongs to, or null. */
    static NetnsScan namespaceOf(NodeScan scan, Integer pid) {
        if (pid == null) {
            return null;
        }
        for (NetnsScan ns : scan.namespaces()) {
            if (ns.pids().contains(pid)) {
                return ns;
            }
        }
        return null;
    }

    /** The pid of a /proc/&lt;pid&gt;/... path (the last all-digit directory in it), or null. */
    static Integer pidIn(String file) {
        if (file == null) {
            return null;
        }
        String[] parts = file.split("/");
        for (int i = parts.length - 2; i >= 0; i--) {
            String p = parts[i];
            if (!p.isEmpty() && p.length() <= 9 && p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return Integer.valueOf(p);
            }
        }
        return null;
    }

    private static Namespace namespace(NetnsScan ns) {
        return new Namespace(ns.nsInode(), ns.attribution().podUid(), ns.somaxconn(), Counters.of(ns.counters()),
                ns.listeners().stream().map(Listener::of).toList(), ns.attribution().kind().label(),
                ns.attribution().containerIds(), ns.reader().label(), ns.key(), ns.pids(), Counters.of(ns.delta()),
                Sysctls.of(ns.sysctls()));
    }
}
