package dev.backlogsentinel.agent.metrics;

import dev.backlogsentinel.agent.kernel.Endpoint;
import dev.backlogsentinel.agent.kernel.NetnsCounters;
import dev.backlogsentinel.agent.policy.PodInfo;
import dev.backlogsentinel.agent.scan.ListenerFinding;
import dev.backlogsentinel.agent.scan.NetnsScan;
import dev.backlogsentinel.agent.scan.NodeScan;
import dev.backlogsentinel.agent.scan.ScanErrors;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Publishes each scan as Prometheus metrics (prefix backlog_), and the cluster agent's report
 * writes and Lease renewals. Series exist for the listeners and
 * namespaces of the latest scan only, so cardinality stays that of this machine, and a listener's
 * series disappear with it.
 */
@ApplicationScoped
public class ScanMetrics {

    private final MeterRegistry registry;
    private final Timer scanDuration;
    private final AtomicInteger namespaces = new AtomicInteger();
    private final AtomicInteger listeners = new AtomicInteger();
    private final Map<ScanErrors.Kind, Counter> errors = new HashMap<>();
    private final Map<ListenerKey, Series<ListenerFinding>> listenerSeries = new HashMap<>();
    private final Map<NetnsKey, Series<NetnsScan>> netnsSeries = new HashMap<>();
    private final Map<String, Gauge> readerInfo = new HashMap<>();
    private final Counter reportWrites;
    private final Counter reportFailures;
    private final Counter leaseRenewals;
    private final Counter leaseFailures;

    @Inject
    public ScanMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.scanDuration = Timer.builder("backlog.scan.duration").description("Time to scan every network namespace of the machine")
                .register(registry);
        Gauge.builder("backlog.namespaces", namespaces, AtomicInteger::get).strongReference(true)
                .description("Network namespaces read in the last scan").register(registry);
        Gauge.builder("backlog.listeners", listeners, AtomicInteger::get).strongReference(true)
                .description("Listening TCP sockets found in the last scan").register(registry);
        reportWrites = Counter.builder("backlog.report.writes").description("NodeBacklogReport writes that went through")
                .register(registry);
        reportFailures = Counter.builder("backlog.report.write.failures").description("NodeBacklogReport writes that failed (retried)")
                .register(registry);
        leaseRenewals = Counter.builder("backlog.lease.renewals").description("Agent Lease renewals").register(registry);
        leaseFailures = Counter.builder("backlog.lease.renewal.failures").description("Agent Lease renewals that failed (retried)")
                .register(registry);
        for (ScanErrors.Kind kind : ScanErrors.Kind.values()) {
            errors.put(kind, Counter.builder("backlog.scan.errors").tag("kind", kind.label())
                    .description("Things a scan could not read, by kind; the rest of the scan went on").register(registry));
        }
    }

    public void reportWritten(boolean ok) {
        (ok ? reportWrites : reportFailures).increment();
    }

    public void leaseRenewed(boolean ok) {
        (ok ? leaseRenewals : leaseFailures).increment();
    }

    /** Local mode: listeners are labelled by namespace and pod UID only. */
    public void record(NodeScan scan) {
        record(scan, ns -> l -> null);
    }

    /**
     * Cluster mode: listeners also carry their pod's namespace and name (empty for the node's own).
     *
     * @param pods the pod a listener of a network namespace belongs to, or null
     */
    public synchronized void record(NodeScan scan, Function<NetnsScan, Function<ListenerFinding, PodInfo>> pods) {
        scanDuration.record(scan.took());
        namespaces.set(scan.namespaces().size());
        listeners.set(scan.listenerCount());
        scan.errors().counts().forEach((kind, n) -> errors.get(kind).increment(n));
        recordReader(scan.reader());

        // Runs every scan for every listener: series are found by a plain record key, and their
        // Micrometer tags (sorted, merged) are built only when a series is new.
        Set<ListenerKey> seenListeners = new HashSet<>();
        Set<NetnsKey> seenNetns = new HashSet<>();
        for (NetnsScan ns : scan.namespaces()) {
            NetnsKey nsKey = new NetnsKey(ns.nsInode() != null ? ns.nsInode().toString() : "key:" + ns.key(),
                    ns.attribution().podUid() != null ? ns.attribution().podUid() : ns.attribution().kind().label());
            if (ns.counters() != null) {
                seenNetns.add(nsKey);
                update(netnsSeries, nsKey, ns, this::registerNetns);
            }
            Function<ListenerFinding, PodInfo> podOf = pods.apply(ns);
            for (ListenerFinding l : ns.listeners()) {
                PodInfo pod = podOf.apply(l);
                ListenerKey key = new ListenerKey(nsKey, l.endpoint(), pod == null ? "" : pod.namespace(), pod == null ? "" : pod.name());
                seenListeners.add(key);
                update(listenerSeries, key, l, this::registerListener);
            }
        }
        removeAbsent(listenerSeries, seenListeners);
        removeAbsent(netnsSeries, seenNetns);
    }

    /**
     * Removes this bean's listener, namespace and reader series. Micrometer's global registry
     * outlives an application restart in the same JVM, so series left behind would be scraped
     * with their last values forever.
     */
    @PreDestroy
    synchronized void close() {
        removeAbsent(listenerSeries, Set.of());
        removeAbsent(netnsSeries, Set.of());
        readerInfo.values().forEach(registry::remove);
        readerInfo.clear();
    }

    private void recordReader(String reader) {
        readerInfo.computeIfAbsent(reader, r -> Gauge.builder("backlog.reader.info", () -> 1).tag("reader", r)
                .description("The reader in use (netlink, procfs, or netlink+procfs)").register(registry));
        readerInfo.entrySet().removeIf(e -> {
            if (!e.getKey().equals(reader)) {
                registry.remove(e.getValue());
                return true;
            }
            return false;
        });
    }

    private static <K, T> void update(Map<K, Series<T>> series, K key, T latest,
            BiFunction<K, AtomicReference<T>, List<Meter>> register) {
        Series<T> existing = series.get(key);
        if (existing != null) {
            existing.latest().set(latest);
            return;
        }
        // The value is in place before any meter can be scraped.
        AtomicReference<T> ref = new AtomicReference<>(latest);
        series.put(key, new Series<>(ref, register.apply(key, ref)));
    }

    private List<Meter> registerListener(ListenerKey key, AtomicReference<ListenerFinding> v) {
        Tags tags = key.tags();
        List<Meter> meters = new ArrayList<>();
        meters.add(gauge("backlog.listen.queue.depth", "Accept-queue depth now", tags, v, x -> x.get().depth()));
        meters.add(gauge("backlog.listen.queue.limit", "The socket's accept-queue limit (NaN when unknown)", tags, v,
                x -> x.get().limit() == null ? Double.NaN : x.get().limit()));
        meters.add(gauge("backlog.listen.queue.usage.ratio", "depth / limit; above 1 when full (NaN when the limit is unknown)",
                tags, v, x -> x.get().usagePercent() == null ? Double.NaN : x.get().usagePercent() / 100.0));
        meters.add(gauge("backlog.listen.syn.recv", "SYN_RECV request sockets at the last count", tags, v,
                x -> x.get().synRecv()));
        return meters;
    }

    private List<Meter> registerNetns(NetnsKey key, AtomicReference<NetnsScan> v) {
        Tags tags = key.tags();
        List<Meter> meters = new ArrayList<>();
        meters.add(counter("backlog.netns.listen.overflows", "TcpExt ListenOverflows (packets) of the namespace", tags, v,
                x -> NetnsCounters.unsigned(x.get().counters().listenOverflows())));
        meters.add(counter("backlog.netns.listen.drops", "TcpExt ListenDrops (packets) of the namespace", tags, v,
                x -> NetnsCounters.unsigned(x.get().counters().listenDrops())));
        meters.add(counter("backlog.netns.reqqfull.drop", "TcpExt TCPReqQFullDrop of the namespace", tags, v,
                x -> NetnsCounters.unsigned(x.get().counters().reqQFullDrop())));
        meters.add(counter("backlog.netns.reqqfull.docookies", "TcpExt TCPReqQFullDoCookies of the namespace", tags, v,
                x -> NetnsCounters.unsigned(x.get().counters().reqQFullDoCookies())));
        meters.add(counter("backlog.netns.syncookies.sent", "TcpExt SyncookiesSent of the namespace", tags, v,
                x -> NetnsCounters.unsigned(x.get().counters().syncookiesSent())));
        meters.add(gauge("backlog.netns.somaxconn", "net.core.somaxconn of the namespace (NaN when unknown)", tags, v,
                x -> x.get().somaxconn() == null ? Double.NaN : x.get().somaxconn()));
        return meters;
    }

    private <T> Gauge gauge(String name, String help, Tags tags, T values, ToDoubleFunction<T> f) {
        return Gauge.builder(name, values, f).tags(tags).description(help).strongReference(true).register(registry);
    }

    private <T> FunctionCounter counter(String name, String help, Tags tags, T values, ToDoubleFunction<T> f) {
        return FunctionCounter.builder(name, values, f).tags(tags).description(help).register(registry);
    }

    private <K, T> void removeAbsent(Map<K, Series<T>> series, Set<K> seen) {
        series.entrySet().removeIf(e -> {
            if (seen.contains(e.getKey())) {
                return false;
            }
            e.getValue().meters.forEach(registry::remove);
            return true;
        });
    }

    /** The meters of one listener or namespace and the latest value they read (held strongly here). */
    private record Series<T>(AtomicReference<T> latest, List<Meter> meters) {
    }

    /** A namespace's series: netns (ns/net inode, or the agent's key) and pod_uid (or host, none, ...). */
    private record NetnsKey(String netns, String podUid) {

        Tags tags() {
            return Tags.of("netns", netns, "pod_uid", podUid);
        }
    }

    /** A listener's series: its namespace's labels, its endpoint, and its pod (empty for the node's own). */
    private record ListenerKey(NetnsKey netns, Endpoint endpoint, String namespace, String pod) {

        Tags tags() {
            return netns.tags().and("family", endpoint.family().name(), "address", endpoint.address(),
                    "port", Integer.toString(endpoint.port()), "namespace", namespace, "pod", pod);
        }
    }
}
