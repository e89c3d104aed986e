package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.attribution.ProcessCgroups;
import dev.backlogsentinel.agent.attribution.SocketOwners;
import dev.backlogsentinel.agent.kernel.Endpoint;
import dev.backlogsentinel.agent.kernel.ListenerReader;
import dev.backlogsentinel.agent.kernel.ListenerSample;
import dev.backlogsentinel.agent.kernel.NetnsProcesses;
import dev.backlogsentinel.agent.kernel.NetnsSource.Reading;
import dev.backlogsentinel.agent.kernel.NetnsKnobs;
import dev.backlogsentinel.agent.kernel.ReaderChoice;
import dev.backlogsentinel.agent.kernel.ReaderException;
import dev.backlogsentinel.agent.kernel.ScanErrors;
import dev.backlogsentinel.agent.kernel.SynRecvMatcher;
import dev.backlogsentinel.agent.netns.NetnsDiscovery;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Scans every network namespace of the machine, one scan at a time, and turns what it reads into
 * findings. The scan loop is here; each job it calls on has its own part:
 * <ul>
 * <li>{@link NetnsDiscovery}: which namespaces exist, through which processes;</li>
 * <li>{@link TrackedNamespaces}: each namespace held open for its lifetime, through the reader
 * {@link NetnsSources} chose for it (with auto's fall-back);</li>
 * <li>{@link CounterDeltas}: the drop counters and how far they moved;</li>
 * <li>{@link SynRecvTrigger}: whether SYN_RECV is worth counting this scan;</li>
 * <li>{@link ProcessCgroups}: which pod each process belongs to (also asked by cluster mode);</li>
 * <li>{@link ListenerOwners}: which processes hold each socket.</li>
 * </ul>
 */
public final class NodeScanner implements AutoCloseable {

    private final NetnsDiscovery discovery;
    private final NetnsSources sources;
    private final TrackedNamespaces namespaces;
    private final CounterDeltas counters;
    private final SynRecvTrigger synRecv;
    private final ProcessCgroups cgroups;
    private final SocketOwners socketOwners;
    private final ScanCadence cadence;
    private final long ownKey;
    private final Clock clock;
    private long scans;

    /**
     * @param netlink the exact reader, or null when the choice is procfs
     * @param cadence what a scan reads besides the listeners (command line or node agent)
     * @param ownKey  key of the agent's own namespace (the node's, under hostNetwork)
     */
    public NodeScanner(NetnsDiscovery discovery, ReaderChoice choice, ListenerReader netlink, ListenerReader procfs,
            long maxFileBytes, int synRecvNearPercent, ScanCadence cadence, long ownKey, Clock clock) {
        this.discovery = discovery;
        this.sources = new NetnsSources(choice, netlink, procfs, discovery.procRoot(), maxFileBytes);
        this.namespaces = new TrackedNamespaces(sources);
        this.counters = new CounterDeltas(cadence);
        this.synRecv = new SynRecvTrigger(synRecvNearPercent, cadence);
        this.cgroups = new ProcessCgroups(discovery.procRoot(), maxFileBytes);
        this.socketOwners = new SocketOwners(discovery.procRoot());
        this.cadence = cadence;
        this.ownKey = ownKey;
        this.clock = clock;
    }

    public synchronized NodeScan scan() {
        long start = System.nanoTime();
        Instant at = clock.instant();
        scans++;
        ScanErrors errors = new ScanErrors();
        // ns/net is asked for only while a namespace is new: where no process lets us read it
        // (e.g. without CAP_SYS_PTRACE), asking again every scan would fail again for every process.
        Map<Long, NetnsProcesses> found = discovery.discover(namespaces::isNew, errors);
        namespaces.keepOnly(found.keySet());
        List<NetnsScan> results = new ArrayList<>(found.size());
        for (NetnsProcesses netns : found.values()) {
            TrackedNetns t = namespaces.of(netns, errors);
            NetnsScan result = t == null ? null : read(t, netns, at, errors);
            if (result != null) {
                results.add(result);
            }
        }
        results.sort(Comparator.comparing(NetnsScan::worst, Comparator.nullsLast(ListenerFinding::worstFirst)));
        return new NodeScan(at, Duration.ofNanos(System.nanoTime() - start), namespaces.readerLabel(), sources.note(), results, errors);
    }

    /** One namespace: listeners and knobs every scan, counters and SYN_RECV when due, then who holds what. */
    private NetnsScan read(TrackedNetns t, NetnsProcesses netns, Instant at, ScanErrors errors) {
        List<ListenerSample> listeners;
        NetnsKnobs sysctls;
        try {
            Reading<List<ListenerSample>> reading = t.source.listeners();
            errors.note(reading);
            listeners = reading.value();
            sysctls = t.source.sysctls();
        } catch (ReaderException e) {
            errors.add(ScanErrors.kindOf(e, ScanErrors.Kind.READ), t.where().withFileOf(e), "namespace " + t.describe() + ": " + e.getMessage());
            return null;
        }
        CounterDeltas.Counted counted = counters.read(t, listeners, at, errors);
        if (synRecv.due(t.synRecvCounted, counted.delta(), listeners, sysctls.somaxconn())) {
            countSynRecv(t, listeners, errors);
        }
        if (!netns.pids().equals(t.pids)) {
            t.pids = netns.pids();
            t.attribution = cgroups.attribute(t.key == ownKey, t.pids, errors, namespaces::pids);
        }
        if (scans > 1 || cadence.ownersAtFirstScan()) {
            t.owners.refresh(listeners, t.pids, at, socketOwners, cgroups::of, errors, t.where());
        }
        List<ListenerFinding> findings = new ArrayList<>(listeners.size());
        for (ListenerSample s : listeners) {
            findings.add(ListenerFinding.from(t.source.kind(), s, sysctls.somaxconn(), t.lastSynRecv.getOrDefault(s.endpoint(), 0),
                    t.owners.of(s.inode())));
        }
        findings.sort(ListenerFinding::worstFirst);
        return new NetnsScan(t.key, t.nsInode, t.source.kind(), t.attribution, t.pids, sysctls, counted.counters(), counted.delta(),
                counted.over(), List.copyOf(findings));
    }

    private static void countSynRecv(TrackedNetns t, List<ListenerSample> listeners, ScanErrors errors) {
        try {
            Reading<Map<Endpoint, Integer>> requests = t.source.synRecv();
            errors.note(requests);
            t.lastSynRecv = SynRecvMatcher.assign(listeners, requests.value());
            t.synRecvCounted = true;
        } catch (ReaderException e) {
            errors.add(ScanErrors.kindOf(e, ScanErrors.Kind.READ), t.where().withFileOf(e),
                    "SYN_RECV of namespace " + t.describe() + ": " + e.getMessage());
        }
    }

    /** The pod UID of a process seen in a recent scan, from its cgroup; null when it is not a pod's container. */
    public synchronized String podOfProcess(int pid) {
        return cgroups.podOf(pid);
    }

    public Path procRoot() {
        return discovery.procRoot();
    }

    @Override
    public synchronized void close() {
        namespaces.close();
        sources.close();
    }
}
