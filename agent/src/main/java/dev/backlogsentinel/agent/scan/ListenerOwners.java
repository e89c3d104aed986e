package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.attribution.ProcessAttribution;
import dev.backlogsentinel.agent.attribution.SocketHolder;
import dev.backlogsentinel.agent.attribution.SocketOwner;
import dev.backlogsentinel.agent.attribution.SocketOwners;
import dev.backlogsentinel.agent.kernel.ListenerSample;
import dev.backlogsentinel.agent.kernel.ScanErrors;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * The owners of one namespace's listening sockets, each found once and kept for the socket's
 * lifetime. Placing a socket walks the fd links of every process of the namespace (one readlink
 * each), so a walk runs only for a socket not seen before or whose owner exited. Where the last
 * walk read more than {@link #CHEAP_SEARCH_FDS} links (the node's own namespace, a proxy holding
 * tens of thousands of connections) the next waits {@link #FULL_SEARCH_EVERY}, so a flapping
 * listener cannot make every scan pay for it. A socket no process shows (a kernel listener, a
 * process we may not read) is looked for again only among processes that are new since.
 *
 * <p>A process whose fds we may not list (another uid's, without CAP_DAC_READ_SEARCH) may hold any
 * of the sockets left without an owner: every scan that shows such a socket counts that refusal as
 * a {@code permission} error naming the fd directory, so a missing owner is never silent.
 */
final class ListenerOwners {

    static final Duration FULL_SEARCH_EVERY = Duration.ofSeconds(30);
    static final int CHEAP_SEARCH_FDS = 1000;

    private final Map<Long, SocketOwner> known = new HashMap<>();
    private final Set<Long> unplaced = new HashSet<>();
    private Set<Integer> searched = Set.of();
    /** The processes whose fd directory was refused in a search, by pid, while they live. */
    private final Map<Integer, SocketOwners.Refused> refused = new java.util.TreeMap<>();
    private final int cheapSearchFds;
    private List<Integer> lastPids = List.of();
    private Instant lastFullSearch;
    private int lastFullSearchFds;

    ListenerOwners() {
        this(CHEAP_SEARCH_FDS);
    }

    /** @param cheapSearchFds a walk of at most this many fd links may run again at once */
    ListenerOwners(int cheapSearchFds) {
        this.cheapSearchFds = cheapSearchFds;
    }

    /**
     * @param attribution the cgroup facts of a process of this namespace (for its container), or null
     * @param errors      where a refused fd directory is counted, while a socket has no owner
     * @param where       this namespace, for those errors
     */
    void refresh(List<ListenerSample> listeners, List<Integer> pids, Instant now, SocketOwners owners,
            IntFunction<ProcessAttribution> attribution, ScanErrors errors, ScanErrors.Where where) {
        if (unchanged(listeners, pids)) {
            // The common case, every scan: the same sockets, all placed, the same processes.
            return;
        }
        search(listeners, pids, now, owners, attribution);
        if (!unplaced.isEmpty()) {
            for (SocketOwners.Refused r : refused.values()) {
                errors.add(ScanErrors.Kind.PERMISSION, where.withFile(r.fdDir()), r.reason() + "; "
                        + (unplaced.size() == 1 ? "1 listening socket" : unplaced.size() + " listening sockets")
                        + " of this namespace may be its and show no process");
            }
        }
    }

    private void search(List<ListenerSample> listeners, List<Integer> pids, Instant now, SocketOwners owners,
            IntFunction<ProcessAttribution> attribution) {
        lastPids = pids;
        Set<Long> live = new HashSet<>();
        for (ListenerSample s : listeners) {
            if (s.inode() != 0) {
                live.add(s.inode());
            }
        }
        Set<Integer> present = new HashSet<>(pids);
        known.entrySet().removeIf(e -> !live.contains(e.getKey()) || !present.contains(e.getValue().pid()));
        unplaced.retainAll(live);
        refused.keySet().retainAll(present);

        Set<Long> wanted = new HashSet<>(live);
        wanted.removeAll(known.keySet());
        wanted.removeAll(unplaced);
        boolean fullDue = lastFullSearch == null || lastFullSearchFds <= cheapSearchFds
                || !now.isBefore(lastFullSearch.plus(FULL_SEARCH_EVERY));
        if (!wanted.isEmpty() && fullDue) {
            wanted.addAll(unplaced);
            SocketOwners.Found found = owners.find(pids, wanted);
            refused.clear();
            place(found, wanted, owners, attribution);
            searched = present;
            lastFullSearch = now;
            lastFullSearchFds = found.fds();
        } else if (!unplaced.isEmpty()) {
            Set<Integer> fresh = new HashSet<>(present);
            fresh.removeAll(searched);
            if (!fresh.isEmpty()) {
                Set<Long> lookFor = Set.copyOf(unplaced);
                place(owners.find(fresh, lookFor), lookFor, owners, attribution);
                Set<Integer> stillSearched = new HashSet<>(searched);
                stillSearched.retainAll(present);
                stillSearched.addAll(fresh);
                searched = stillSearched;
            }
        }
    }

    private void place(SocketOwners.Found found, Set<Long> lookedFor, SocketOwners owners,
            IntFunction<ProcessAttribution> attribution) {
        for (SocketOwners.Refused r : found.refused()) {
            refused.put(r.pid(), r);
        }
        for (long inode : lookedFor) {
            List<SocketHolder> holders = found.holders().get(inode);
            if (holders == null || holders.isEmpty()) {
                unplaced.add(inode);
                continue;
            }
            int pid = holders.getFirst().pid();
            ProcessAttribution cgroup = attribution.apply(pid);
            known.put(inode, SocketOwner.of(holders, owners.identify(pid), cgroup == null ? null : cgroup.containerId()));
            unplaced.remove(inode);
        }
    }

    private boolean unchanged(List<ListenerSample> listeners, List<Integer> pids) {
        // The scanner passes the same list while a namespace's processes stay the same.
        if (!unplaced.isEmpty() || (pids != lastPids && !pids.equals(lastPids))) {
            return false;
        }
        int placed = 0;
        for (ListenerSample s : listeners) {
            if (s.inode() != 0) {
                if (!known.containsKey(s.inode())) {
                    return false;
                }
                placed++;
            }
        }
        return placed == known.size();
    }

    /** The socket's owner, or null when it is not known (yet). */
    SocketOwner of(long inode) {
        return known.get(inode);
    }
}
