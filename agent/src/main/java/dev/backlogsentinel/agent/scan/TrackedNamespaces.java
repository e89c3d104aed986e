package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.kernel.NetnsProcesses;
import dev.backlogsentinel.agent.kernel.NetnsSource;
import dev.backlogsentinel.agent.kernel.ReaderKind;
import dev.backlogsentinel.agent.kernel.ScanErrors;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The namespaces the scanner holds open, each for exactly as long as some process shows it. What
 * is held pins the namespace, so its key cannot be taken by another one while its state lives; a
 * namespace no process shows is closed and forgotten at once, since its inode may then be reused.
 */
final class TrackedNamespaces implements AutoCloseable {

    private final NetnsSources sources;
    private final Map<Long, TrackedNetns> tracked = new HashMap<>();

    TrackedNamespaces(NetnsSources sources) {
        this.sources = sources;
    }

    /** True for a key not tracked now: only such a namespace needs its ns/net inode asked for. */
    boolean isNew(long key) {
        return !tracked.containsKey(key);
    }

    /** Closes and forgets every tracked namespace whose key is not among those found now. */
    void keepOnly(Set<Long> found) {
        for (Iterator<Map.Entry<Long, TrackedNetns>> it = tracked.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, TrackedNetns> e = it.next();
            if (!found.contains(e.getKey())) {
                e.getValue().close();
                it.remove();
            }
        }
    }

    /** The namespace's state, opened on first sight; null when it cannot be read (counted). */
    TrackedNetns of(NetnsProcesses netns, ScanErrors errors) {
        TrackedNetns t = tracked.get(netns.key());
        if (t != null) {
            return t;
        }
        NetnsSource source = sources.open(netns, errors);
        if (source == null) {
            return null;
        }
        t = new TrackedNetns(netns.key(), netns.nsInode(), source, sources.openCounters(netns, errors));
        tracked.put(netns.key(), t);
        return t;
    }

    /** Every pid of every tracked namespace, as last seen. */
    Set<Integer> pids() {
        Set<Integer> live = new HashSet<>();
        tracked.values().forEach(t -> live.addAll(t.pids));
        return live;
    }

    int size() {
        return tracked.size();
    }

    /** The scan's reader label: what the namespaces held now are read through. */
    String readerLabel() {
        boolean netlink = false;
        boolean procfs = false;
        for (TrackedNetns t : tracked.values()) {
            netlink |= t.source.kind() == ReaderKind.NETLINK;
            procfs |= t.source.kind() == ReaderKind.PROCFS;
        }
        return sources.label(netlink, procfs);
    }

    @Override
    public void close() {
        tracked.values().forEach(TrackedNetns::close);
        tracked.clear();
    }
}
