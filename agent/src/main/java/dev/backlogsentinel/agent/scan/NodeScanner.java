package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.kernel.ScanErrors;
import dev.backlogsentinel.agent.kernel.ReaderChoice;
import dev.backlogsentinel.agent.attribution.CgroupAttributor;
import dev.backlogsentinel.agent.attribution.NetnsAttribution;
import dev.backlogsentinel.agent.attribution.ProcessAttribution;
import dev.backlogsentinel.agent.attribution.SocketOwner;
import dev.backlogsentinel.agent.attribution.SocketOwners;
import dev.backlogsentinel.agent.kernel.Endpoint;
import dev.backlogsentinel.agent.kernel.ListenerReader;
import dev.backlogsentinel.agent.kernel.ListenerSample;
import dev.backlogsentinel.agent.kernel.NetnsCounters;
import dev.backlogsentinel.agent.kernel.NetnsSource;
import dev.backlogsentinel.agent.kernel.NetnsSource.Reading;
import dev.backlogsentinel.agent.kernel.NetnsSysctls;
import dev.backlogsentinel.agent.kernel.ReaderException;
import dev.backlogsentinel.agent.kernel.ReaderKind;
import dev.backlogsentinel.agent.kernel.SynRecvMatcher;
import dev.backlogsentinel.agent.netns.NetnsDiscovery;
import dev.backlogsentinel.agent.kernel.NetnsProcesses;
import dev.backlogsentinel.agent.procfs.CountersFiles;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Scans every network namespace of the machine: discovers them, keeps one source per namespace for
 * its lifetime, reads listeners and counters, and turns them into findings. One scan at a time.
 *
 * <p>SYN_RECV is counted on demand because it walks the host's whole connection table: when a
 * namespace's SYN-queue counters moved, or when one of its listeners is at
 * {@code synRecvNearPercent} of its limit (and at first sight, see {@link ScanCadence}). Between
 * counts a listener carries its last count.
 */
public final class NodeScanner implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(NodeScanner.class);

    private final NetnsDiscovery discovery;
    private final ReaderChoice choice;
    private final ListenerReader netlink;
    private final ListenerReader procfs;
    private final long maxFileBytes;
    private final int synRecvNearPercent;
    private final ScanCadence cadence;
    private long scans;
    private final Clock clock;
    private final long ownKey;
    private final Map<Long, TrackedNetns> tracked = new HashMap<>();
    private final Map<Integer, ProcessAttribution> processes = new HashMap<>();
    private final SocketOwners socketOwners;
    private String readerNote;
    private boolean noteLogged;

    /**
     * @param netlink             the exact reader, or null when the choice is procfs
     * @param cadence             what a scan reads besides the listeners (command line or node agent)
     * @param ownKey              key of the agent's own namespace (the node's, under hostNetwork)
     */
    public NodeScanner(NetnsDiscovery discovery, ReaderChoice choice, ListenerReader netlink, ListenerReader procfs,
            long maxFileBytes, int synRecvNearPercent, ScanCadence cadence, long ownKey, Clock clock) {
        this.discovery = discovery;
        this.choice = choice;
        this.netlink = netlink;
        this.procfs = procfs;
        this.maxFileBytes = maxFileBytes;
        this.synRecvNearPercent = synRecvNearPercent;
        this.cadence = cadence;
        this.ownKey = ownKey;
        this.clock = clock;
        this.socketOwners = new SocketOwners(discovery.procRoot());
    }

    public synchronized NodeScan scan() {
        long start = System.nanoTime();
        Instant at = clock.instant();
        scans++;
        ScanErrors errors = new ScanErrors();
        // ns/net is asked for only while a namespace is new: where no process lets us read it
        // (e.g. without CAP_SYS_PTRACE), asking again every scan would fail again for every process.
        Map<Long, NetnsProcesses> found = discovery.discover(key -> !tracked.containsKey(key), errors);
        forgetGone(found.keySet());

        List<NetnsScan> namespaces = new ArrayList<>();
        for (NetnsProcesses netns : found.values()) {
            TrackedNetns t = tracked.get(netns.key());
            if (t == null) {
                t = track(netns, errors);
                if (t == null) {
                    continue;
                }
            }
            NetnsScan result = read(t, netns, at, errors);
            if (result != null) {
                namespaces.add(result);
            }
        }
        namespaces.sort(Comparator.comparing(NetnsScan::worst, Comparator.nullsLast(ListenerFinding::worstFirst)));
        return new NodeScan(at, Duration.ofNanos(System.nanoTime() - start), readerLabel(), readerNote, namespaces, errors);
    }

    /** Closes what belonged to namespaces no process shows any more: their inodes may now be reused. */
    private void forgetGone(Set<Long> present) {
        for (Iterator<Map.Entry<Long, TrackedNetns>> it = tracked.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, TrackedNetns> e = it.next();
            if (!present.contains(e.getKey())) {
                e.getValue().close();
                it.remove();
            }
        }
    }

    private TrackedNetns track(NetnsProcesses netns, ScanErrors errors) {
        NetnsSource source = openSource(netns, errors);
        if (source == null) {
            return null;
        }
        // Without its counter files a namespace still has listeners worth reporting.
        CountersFiles counters = openCounters(netns, errors);
        TrackedNetns t = new TrackedNetns(netns.key(), netns.nsInode(), source, counters);
        tracked.put(netns.key(), t);
        return t;
    }

    private CountersFiles openCounters(NetnsProcesses netns, ScanErrors errors) {
        for (int pid : netns.pids()) {
            try {
                return CountersFiles.open(discovery.procRoot().resolve(Integer.toString(pid)), maxFileBytes);
            } catch (NoSuchFileException e) {
                errors.add(Files.exists(e.getFile() == null ? Path.of("/") : Path.of(e.getFile()).getParent())
                        ? ScanErrors.Kind.MISSING : ScanErrors.Kind.VANISHED,
                        ScanErrors.Where.netns(netns.nsInode(), netns.key()).withFile(e.getFile()), "cannot open " + e.getFile());
            } catch (AccessDeniedException e) {
                errors.add(ScanErrors.Kind.PERMISSION, ScanErrors.Where.netns(netns.nsInode(), netns.key()).withFile(e.getFile()),
                        "not allowed to open " + e.getFile());
            } catch (IOException e) {
                errors.add(ScanErrors.kindOf(e, ScanErrors.Kind.READ), ScanErrors.Where.netns(netns.nsInode(), netns.key()).withFileOf(e),
                        "opening counters of pid " + pid + ": " + e);
            }
        }
        return null;
    }

    private NetnsSource openSource(NetnsProcesses netns, ScanErrors errors) {
        if (choice != ReaderChoice.PROCFS) {
            try {
                return netlink.open(netns);
            } catch (ReaderException e) {
                ScanErrors.Kind kind = e.isPermission() ? ScanErrors.Kind.PERMISSION : ScanErrors.Kind.READ;
                if (choice == ReaderChoice.NETLINK) {
                    errors.add(kind, ScanErrors.Where.netns(netns.nsInode(), netns.key()).withFileOf(e), "netlink: " + e.getMessage());
                    return null;
                }
                // auto: a missing capability is expected and said once; a fault is counted. Either way procfs reads it.
                if (e.isPermission()) {
                    noteFallback(e);
                } else {
                    errors.add(kind, ScanErrors.Where.netns(netns.nsInode(), netns.key()).withFileOf(e), "netlink: " + e.getMessage());
                }
            }
        }
        try {
            return procfs.open(netns);
        } catch (ReaderException e) {
            errors.add(ScanErrors.kindOf(e, e.isPermission() ? ScanErrors.Kind.PERMISSION : ScanErrors.Kind.VANISHED),
                    ScanErrors.Where.netns(netns.nsInode(), netns.key()).withFileOf(e), "procfs: " + e.getMessage());
            return null;
        }
    }

    private void noteFallback(ReaderException e) {
        if (readerNote == null) {
            readerNote = "netlink reader not permitted (" + e.getMessage() + "; it needs CAP_SYS_ADMIN and "
                    + "CAP_SYS_PTRACE): those namespaces are read through procfs, which shows queue depth "
                    + "but not the socket's real limit";
        }
        if (!noteLogged) {
            noteLogged = true;
            LOG.warn(readerNote);
        }
    }

    private NetnsScan read(TrackedNetns t, NetnsProcesses netns, Instant at, ScanErrors errors) {
        Reading<List<ListenerSample>> listeners;
        NetnsSysctls sysctls;
        try {
            listeners = t.source.listeners();
            note(listeners, errors);
            sysctls = t.source.sysctls();
        } catch (ReaderException e) {
            errors.add(ScanErrors.kindOf(e, ScanErrors.Kind.READ), ScanErrors.Where.netns(t.nsInode, t.key).withFileOf(e),
                    "namespace " + describe(t) + ": " + e.getMessage());
            return null;
        }
        Integer sysctl = sysctls.somaxconn();
        NetnsCounters counters;
        NetnsCounters delta = null;
        Duration deltaOver = null;
        if (t.lastCountersAt == null || ++t.scansSinceCounters >= cadence.idleCountersEvery() || anyQueued(listeners.value())) {
            counters = readCounters(t, errors);
            if (t.lastCounters != null && counters != null) {
                delta = counters.since(t.lastCounters);
                deltaOver = Duration.between(t.lastCountersAt, at);
            }
            t.lastCounters = counters;
            t.lastCountersAt = at;
            t.scansSinceCounters = 0;
        } else {
            // Every listener empty: the counters wait for a later scan (see ScanCadence); shown as last read.
            counters = t.lastCounters;
        }

        if (needsSynRecv(t, delta, listeners.value(), sysctl)) {
            try {
                Reading<Map<Endpoint, Integer>> requests = t.source.synRecv();
                note(requests, errors);
                t.lastSynRecv = SynRecvMatcher.assign(listeners.value(), requests.value());
                t.synRecvCounted = true;
            } catch (ReaderException e) {
                errors.add(ScanErrors.kindOf(e, ScanErrors.Kind.READ), ScanErrors.Where.netns(t.nsInode, t.key).withFileOf(e),
                        "SYN_RECV of namespace " + describe(t) + ": " + e.getMessage());
            }
        }

        if (!netns.pids().equals(t.pids)) {
            t.pids = netns.pids();
            t.attribution = attribute(t.key, netns.pids(), errors);
        }
        if (scans > 1 || cadence.ownersAtFirstScan()) {
            t.owners.refresh(listeners.value(), t.pids, at, socketOwners, processes::get);
        }

        List<ListenerFinding> findings = new ArrayList<>(listeners.value().size());
        for (ListenerSample s : listeners.value()) {
            findings.add(finding(t.source.kind(), s, sysctl, t.lastSynRecv.getOrDefault(s.endpoint(), 0), t.owners.of(s.inode())));
        }
        findings.sort(ListenerFinding::worstFirst);
        return new NetnsScan(t.key, t.nsInode, t.source.kind(), t.attribution, t.pids, sysctls, counters, delta, deltaOver,
                List.copyOf(findings));
    }

    private static boolean anyQueued(List<ListenerSample> listeners) {
        for (ListenerSample s : listeners) {
            if (s.depth() > 0) {
                return true;
            }
        }
        return false;
    }

    /** The namespace's counters, or null when its files could not be opened or read (counted). */
    private NetnsCounters readCounters(TrackedNetns t, ScanErrors errors) {
        if (t.counters == null) {
            return null;
        }
        try {
            Reading<NetnsCounters> counters = t.counters.read();
            note(counters, errors);
            return counters.value();
        } catch (ReaderException e) {
            errors.add(ScanErrors.kindOf(e, ScanErrors.Kind.READ), ScanErrors.Where.netns(t.nsInode, t.key).withFileOf(e),
                    "counters of namespace " + describe(t) + ": " + e.getMessage());
            return null;
        }
    }

    private boolean needsSynRecv(TrackedNetns t, NetnsCounters delta, List<ListenerSample> listeners, Integer sysctl) {
        if ((!t.synRecvCounted && cadence.synRecvAtFirstSight()) || (delta != null && delta.synQueueMoved())) {
            return true;
        }
        for (ListenerSample s : listeners) {
            Integer limit = s.limit() != null ? s.limit() : sysctl;
            if (limit != null && 100L * s.depth() >= (long) synRecvNearPercent * Math.max(limit, 1)) {
                return true;
            }
        }
        return false;
    }

    static ListenerFinding finding(ReaderKind reader, ListenerSample s, Integer somaxconn, int synRecv, SocketOwner owner) {
        if (reader == ReaderKind.NETLINK && s.limit() != null) {
            return ListenerFinding.of(s.endpoint(), s.inode(), s.depth(), s.limit(), LimitedBy.of(s.limit(), somaxconn),
                    synRecv, s.drops(), owner);
        }
        // procfs: somaxconn bounds the real limit from above, so "full" is still sound when it says true.
        return ListenerFinding.of(s.endpoint(), s.inode(), s.depth(), somaxconn, LimitedBy.UNKNOWN, synRecv, s.drops(), owner);
    }

    private NetnsAttribution attribute(long key, List<Integer> pids, ScanErrors errors) {
        List<ProcessAttribution> seen = new ArrayList<>(pids.size());
        for (int pid : pids) {
            ProcessAttribution p = processes.get(pid);
            if (p == null) {
                p = readCgroup(pid, errors);
                if (p == null) {
                    continue;
                }
                processes.put(pid, p);
            }
            seen.add(p);
        }
        pruneProcesses();
        return NetnsAttribution.of(key == ownKey, seen);
    }

    /** The pod UID of a process seen in the last scan, from its cgroup; null when it is not a pod's container. */
    public synchronized String podOfProcess(int pid) {
        ProcessAttribution p = processes.get(pid);
        return p != null && p.kind() == ProcessAttribution.Kind.POD ? p.podUid() : null;
    }

    public Path procRoot() {
        return discovery.procRoot();
    }

    private ProcessAttribution readCgroup(int pid, ScanErrors errors) {
        Path file = discovery.procRoot().resolve(Integer.toString(pid)).resolve("cgroup");
        ScanErrors.Where where = ScanErrors.Where.file(file);
        try {
            // Opened as every procfs file is (a regular file only, never blocking) and capped: a
            // cgroup file is a few lines, so the cap is the smaller of the configured one and
            // CgroupAttributor.MAX_FILE_BYTES; a file cut there is not believed.
            dev.backlogsentinel.agent.procfs.ProcFile.Text text = dev.backlogsentinel.agent.procfs.ProcFile.readText(file,
                    Math.min(maxFileBytes, CgroupAttributor.MAX_FILE_BYTES));
            if (text.cutAtCap()) {
                errors.add(ScanErrors.Kind.OVERSIZED, where, file + ": " + ScanErrors.CUT_AT_CAP + " (a cgroup file holds a few lines): not believed");
                return null;
            }
            CgroupAttributor.Parsed parsed = CgroupAttributor.parse(text.text());
            errors.add(ScanErrors.Kind.MALFORMED, parsed.malformed(), where, file + ": " + parsed.firstProblem());
            return parsed.attribution();
        } catch (NoSuchFileException e) {
            errors.add(ScanErrors.Kind.VANISHED, where, "pid " + pid + " exited before its cgroup could be read");
        } catch (IOException | RuntimeException e) {
            errors.add(ScanErrors.kindOf(e, ScanErrors.Kind.READ), where, file + ": "
                    + (e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason() : String.valueOf(e)));
        }
        return null;
    }

    /** Keeps the per-process cache to processes still in some tracked namespace. */
    private void pruneProcesses() {
        if (processes.size() < 4096) {
            return;
        }
        Set<Integer> live = new HashSet<>();
        tracked.values().forEach(t -> live.addAll(t.pids));
        processes.keySet().retainAll(live);
    }

    private static void note(Reading<?> reading, ScanErrors errors) {
        errors.add(ScanErrors.Kind.MALFORMED, reading.malformed(), ScanErrors.Where.namedIn(reading.firstMalformed()), reading.firstMalformed());
        if (reading.cutAtCap()) {
            errors.add(ScanErrors.Kind.OVERSIZED, ScanErrors.Where.cutIn(reading.firstMalformed()),
                    "a procfs file exceeded backlog.agent.max-proc-file-bytes; read up to the cap");
        }
    }

    private static String describe(TrackedNetns t) {
        return t.nsInode != null ? "net:[" + t.nsInode + "]" : "key " + t.key;
    }

    private String readerLabel() {
        boolean nl = false;
        boolean pf = false;
        for (TrackedNetns t : tracked.values()) {
            nl |= t.source.kind() == ReaderKind.NETLINK;
            pf |= t.source.kind() == ReaderKind.PROCFS;
        }
        if (nl && pf) {
            return "netlink+procfs";
        }
        if (nl || choice == ReaderChoice.NETLINK) {
            return ReaderKind.NETLINK.label();
        }
        return ReaderKind.PROCFS.label();
    }

    @Override
    public synchronized void close() {
        tracked.values().forEach(TrackedNetns::close);
        tracked.clear();
        if (netlink instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception ignored) {
                // Nothing to lose at shutdown.
            }
        }
    }
}
