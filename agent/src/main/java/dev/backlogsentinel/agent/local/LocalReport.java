package dev.backlogsentinel.agent.local;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.backlogsentinel.agent.kernel.NetnsCounters;
import dev.backlogsentinel.agent.scan.ListenerFinding;
import dev.backlogsentinel.agent.scan.NetnsScan;
import dev.backlogsentinel.agent.scan.NodeScan;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON document of `--output json`: one scan of every listener in every namespace. Field names
 * are a contract (scripts read them); additions go at the end of a record.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record LocalReport(String reader, String readerNote, String scannedAt, double scanMillis,
        Map<String, Integer> errors, List<Namespace> namespaces) {

    /**
     * @param netns       ns/net inode (as lsns and `ip netns identify` show), null when not readable
     * @param podUid      the pod whose namespace this is, or null
     * @param attribution host, pod, shared, none or unrecognised
     * @param key         the agent's identity for the namespace (inode of its /proc net/tcp entry)
     */
    public record Namespace(Long netns, String podUid, Integer somaxconn, Counters counters, List<Listener> listeners,
            String attribution, List<String> containerIds, String reader, long key, List<Integer> pids,
            Counters countersDelta) {
    }

    public record Counters(long listenOverflows, long listenDrops, long reqQFullDrop, long reqQFullDoCookies,
            long syncookiesSent) {

        static Counters of(NetnsCounters c) {
            return c == null ? null
                    : new Counters(c.listenOverflows(), c.listenDrops(), c.reqQFullDrop(), c.reqQFullDoCookies(), c.syncookiesSent());
        }
    }

    /**
     * @param limitedBy backlog, somaxconn, or unknown
     * @param drops     the socket's own drop counter (netlink reader only)
     */
    public record Listener(String family, String address, int port, int depth, Integer limit, String limitedBy,
            Double usagePercent, boolean full, int synRecv, Long drops, long inode) {

        static Listener of(ListenerFinding f) {
            return new Listener(f.endpoint().family().name(), f.endpoint().address(), f.endpoint().port(), f.depth(),
                    f.limit(), f.limitedBy().label(), f.usagePercent(), f.full(), f.synRecv(), f.drops(), f.inode());
        }
    }

    public static LocalReport of(NodeScan scan) {
        Map<String, Integer> errors = new TreeMap<>();
        scan.errors().counts().forEach((k, v) -> errors.put(k.label(), v));
        List<Namespace> namespaces = scan.namespaces().stream().map(LocalReport::namespace).toList();
        return new LocalReport(scan.reader(), scan.readerNote(), scan.at().toString(), scan.took().toNanos() / 1e6, errors,
                namespaces);
    }

    private static Namespace namespace(NetnsScan ns) {
        return new Namespace(ns.nsInode(), ns.attribution().podUid(), ns.somaxconn(), Counters.of(ns.counters()),
                ns.listeners().stream().map(Listener::of).toList(), ns.attribution().kind().label(),
                ns.attribution().containerIds(), ns.reader().label(), ns.key(), ns.pids(), Counters.of(ns.delta()));
    }
}
