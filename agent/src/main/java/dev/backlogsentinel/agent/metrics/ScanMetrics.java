package dev.backlogsentinel.agent.metrics;

import dev.backlogsentinel.agent.kernel.Endpoint;
import dev.backlogsentinel.agent.kernel.NetnsCounters;
import dev.backlogsentinel.agent.attribution.PodInfo;
import dev.backlogsentinel.agent.scan.PodLookup;
import dev.backlogsentinel.agent.scan.ListenerFinding;
import dev.backlogsentinel.agent.scan.NetnsScan;
import dev.backlogsentinel.agent.scan.NodeScan;
import dev.backlogsentinel.agent.kernel.ScanErrors;
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

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
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
    private final Clock clock;
    private final Timer scanDuration;
    private final Timer scanInterval;
    /** When the last scan was recorded, in epoch milliseconds by the injected clock; 0 before the first. */
    private final AtomicLong lastScanCompleted = new AtomicLong();
    private final Gauge lastScanCompletedGauge;
    private final AtomicInteger namespaces = new AtomicInteger();
    private final AtomicInteger listeners = new AtomicInteger();
    private final Map<ScanErrors.Kind, Counter> errors = new HashMap<>();
    /** The series of each namespace of the last scan, by the scanner's key for it. */
    private final Map<Long, NamespaceSeries> byNamespace = new HashMap<>();
    private long generation;
    private final Map<String, Gauge> readerInfo = new HashMap<>();
    private final Counter reportWrites;
    private final Counter reportFailures;
    private final Counter leaseRenewals;
    private final Counter leaseFailures;
    private final Counter leaseWithheld;

    @Inject
    public ScanMetrics(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
        this.scanDuration = Timer.builder("backlog.scan.duration").description("Time to scan every network namespace of the machine")
                .register(registry);
        // From one completed scan to the next: scanInterval plus what the node's CPU delays. Under CPU
        // contention (when backlogs happen) a starved agent shows here first; the buckets sit around
        // the default 2 s interval, and _max holds the worst of the last two minutes.
        this.scanInterval = Timer.builder("backlog.scan.interval").description("Time from one completed scan to the next")
                .serviceLevelObjectives(Duration.ofMillis(2100), Duration.ofMillis(2500), Duration.ofSeconds(3), Duration.ofSeconds(5),
                        Duration.ofSeconds(10), Duration.ofSeconds(30))
                .register(registry);
        Gauge.builder("backlog.namespaces", namespaces, AtomicInteger::get).strongReference(true)
                .description("Network namespaces read in the last scan").register(registry);
        Gauge.builder("backlog.listeners", listeners, AtomicInteger::get).strongReference(true)
                .description("Listening TCP sockets found in the last scan").register(registry);
        // A timestamp rather than an age: Prometheus computes time() - it at each evaluation, so the
        // age keeps growing while the scan loop is stuck, whatever the scrape interval, and the
        // value changes only when a scan completes (Prometheus's own ..._timestamp_seconds
        // convention). The clocks of the node and of Prometheus must agree to well within the
        // chart's threshold, which NTP gives. 0, not absent, until the first scan completes: an
        // agent that never completes one is seen, not confused with one that is not scraped.
        lastScanCompletedGauge = Gauge.builder("backlog.last.scan.completed.timestamp", lastScanCompleted, t -> t.get() / 1000.0)
                .baseUnit("seconds").strongReference(true)
                .description("Unix time of the last completed scan (0 before the first)").register(registry);
        reportWrites = Counter.builder("backlog.report.writes").description("NodeBacklogReport writes that went through")
                .register(registry);
        reportFailures = Counter.builder("backlog.report.write.failures").description("NodeBacklogReport writes that failed (retried)")
                .register(registry);
        leaseRenewals = Counter.builder("backlog.lease.renewals").description("Agent Lease renewals").register(registry);
        leaseFailures = Counter.builder("backlog.lease.renewal.failures").description("Agent Lease renewals that failed (retried)")
                .register(registry);
        leaseWithheld = Counter.builder("backlog.lease.renewals.withheld")
                .description("Agent Lease renewals not made because scans stalled or reports could not be written").register(registry);
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

    public void leaseWithheld() {
        leaseWithheld.increment();
    }

    /** Local mode: listeners are labelled by namespace and pod UID only. */
    public void record(NodeScan scan) {
        record(scan, PodLookup.NONE);
    }

    /**
     * Cluster mode: listeners also carry their pod's namespace and name (empty for the node's own).
     *
     * @param pods the pod a listener of a network namespace belongs to, or null
     */
    public synchronized void record(NodeScan scan, PodLookup pods) {
        scanDuration.record(scan.took());
        namespaces.set(scan.namespaces().size());
        listeners.set(scan.listenerCount());
        scan.errors().counts().forEach((kind, n) -> errors.get(kind).increment(n));
        recordReader(scan.reader());

        // Runs every scan for every listener: a series is found by its namespace's key and its
        // endpoint, checked against its labels, and marked with this scan's generation; nothing
        // is built for a series that already exists, and what was not marked goes at the end.
        long now = ++generation;
        for (NetnsScan ns : scan.namespaces()) {
            NamespaceSeries n = namespaceSeries(ns);
            n.generation = now;
            recordCounters(n, ns);
            recordListeners(n, ns, pods.in(ns), now);
        }
        removeUnmarked(now);
        recordCompletion();
    }

    /** The namespace's series: those it has, or new ones when it has none or their labels changed. */
    private NamespaceSeries namespaceSeries(NetnsScan ns) {
        NamespaceSeries n = byNamespace.get(ns.key());
        String podUid = ns.attribution().podUid() != null ? ns.attribution().podUid() : ns.attribution().kind().label();
        if (n == null || !n.labelled(ns.nsInode(), podUid)) {
            if (n != null) {
                n.remove(registry);
            }
            String netns = ns.nsInode() != null ? ns.nsInode().toString() : "key:" + ns.key();
            n = new NamespaceSeries(ns.nsInode(), podUid, new NetnsKey(netns, podUid));
            byNamespace.put(ns.key(), n);
        }
        return n;
    }

    /** The namespace's series of counters (and somaxconn): there while its counters are read, removed when they are not. */
    private void recordCounters(NamespaceSeries n, NetnsScan ns) {
        if (ns.counters() != null) {
            if (n.counters == null) {
                AtomicReference<NetnsScan> ref = new AtomicReference<>(ns);
                n.counters = new Series<>(ref, registerNetns(n.key, ref));
            } else {
                n.counters.latest().set(ns);
            }
        } else if (n.counters != null) {
            n.counters.meters().forEach(registry::remove);
            n.counters = null;
        }
    }

    /** Each listener's series, new when it has none or its pod changed, marked with this scan's generation. */
    private void recordListeners(NamespaceSeries n, NetnsScan ns, Function<ListenerFinding, PodInfo> podOf, long now) {
        for (ListenerFinding l : ns.listeners()) {
            PodInfo pod = podOf.apply(l);
            String podNamespace = pod == null ? "" : pod.namespace();
            String podName = pod == null ? "" : pod.name();
            ListenerSeries series = n.listeners.get(l.endpoint());
            if (series == null || !series.podNamespace.equals(podNamespace) || !series.podName.equals(podName)) {
                if (series != null) {
                    series.meters.forEach(registry::remove);
                }
                AtomicReference<ListenerFinding> ref = new AtomicReference<>(l);
                series = new ListenerSeries(podNamespace, podName, ref,
                        registerListener(new ListenerKey(n.key, l.endpoint(), podNamespace, podName), ref));
                n.listeners.put(l.endpoint(), series);
            } else {
                series.latest.set(l);
            }
            series.generation = now;
        }
    }

    /** Removes the series of the namespaces and listeners not marked with this scan's generation. */
    private void removeUnmarked(long now) {
        for (var it = byNamespace.values().iterator(); it.hasNext(); ) {
            NamespaceSeries n = it.next();
            if (n.generation != now) {
                n.remove(registry);
                it.remove();
            } else {
                n.listeners.values().removeIf(series -> {
                    if (series.generation == now) {
                        return false;
                    }
                    series.meters.forEach(registry::remove);
                    return true;
                });
            }
        }
    }

    /** The time the scan completed, and the time since the previous one did. */
    private void recordCompletion() {
        long completed = clock.millis();
        long previous = lastScanCompleted.getAndSet(completed);
        if (previous > 0) {
            scanInterval.record(Duration.ofMillis(completed - previous));
        }
    }

    /**
     * Removes this bean's listener, namespace and reader series, and its last-scan time.
     * Micrometer's global registry outlives an application restart in the same JVM, so series left
     * behind would be scraped with their last values forever.
     */
    @PreDestroy
    synchronized void close() {
        byNamespace.values().forEach(n -> n.remove(registry));
        byNamespace.clear();
        readerInfo.values().forEach(registry::remove);
        readerInfo.clear();
        // Left behind, it would be what a new bean's registration returns, reading this bean's time.
        registry.remove(lastScanCompletedGauge);
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

    /** The meters of one listener or namespace and the latest value they read (held strongly here). */
    private record Series<T>(AtomicReference<T> latest, List<Meter> meters) {
    }

    /** One namespace's series: its counters' and its listeners' (by endpoint), with the labels they carry. */
    private static final class NamespaceSeries {
        final Long nsInode;
        final String podUid;
        final NetnsKey key;
        final Map<Endpoint, ListenerSeries> listeners = new HashMap<>();
        Series<NetnsScan> counters;
        long generation;

        NamespaceSeries(Long nsInode, String podUid, NetnsKey key) {
            this.nsInode = nsInode;
            this.podUid = podUid;
            this.key = key;
        }

        boolean labelled(Long inode, String uid) {
            return java.util.Objects.equals(nsInode, inode) && podUid.equals(uid);
        }

        void remove(MeterRegistry registry) {
            if (counters != null) {
                counters.meters().forEach(registry::remove);
            }
            listeners.values().forEach(s -> s.meters.forEach(registry::remove));
        }
    }

    /** One listener's meters, the pod labels they carry, and the latest value they read. */
    private static final class ListenerSeries {
        final String podNamespace;
        final String podName;
        final AtomicReference<ListenerFinding> latest;
        final List<Meter> meters;
        long generation;

        ListenerSeries(String podNamespace, String podName, AtomicReference<ListenerFinding> latest, List<Meter> meters) {
            this.podNamespace = podNamespace;
            this.podName = podName;
            this.latest = latest;
            this.meters = meters;
        }
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
