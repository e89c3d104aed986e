package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.kernel.ListenerSample;
import dev.backlogsentinel.agent.kernel.NetnsCounters;
import dev.backlogsentinel.agent.kernel.NetnsSource.Reading;
import dev.backlogsentinel.agent.kernel.ReaderException;
import dev.backlogsentinel.agent.kernel.ScanErrors;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A namespace's drop counters and how far they moved. net/netstat is the costliest file of a scan,
 * so a namespace whose listeners are all empty is read only every {@link ScanCadence#idleCountersEvery()}
 * scans, and shown as last read in between; one with a queue is read every scan. The counters are
 * cumulative, so a burst between two reads is in the next delta, which spans the time between them.
 */
final class CounterDeltas {

    /**
     * @param counters as last read; null when the namespace's files could not be opened or read
     * @param delta    since the read before, or null (first read, or no reading this scan)
     * @param over     the time {@code delta} spans
     */
    record Counted(NetnsCounters counters, NetnsCounters delta, Duration over) {
    }

    private final int idleEvery;

    CounterDeltas(ScanCadence cadence) {
        this.idleEvery = cadence.idleCountersEvery();
    }

    Counted read(TrackedNetns t, List<ListenerSample> listeners, Instant at, ScanErrors errors) {
        if (t.lastCountersAt != null && ++t.scansSinceCounters < idleEvery && !anyQueued(listeners)) {
            return new Counted(t.lastCounters, null, null);
        }
        NetnsCounters counters = readNow(t, errors);
        NetnsCounters delta = null;
        Duration over = null;
        if (t.lastCounters != null && counters != null) {
            delta = counters.since(t.lastCounters);
            over = Duration.between(t.lastCountersAt, at);
        }
        t.lastCounters = counters;
        t.lastCountersAt = at;
        t.scansSinceCounters = 0;
        return new Counted(counters, delta, over);
    }

    private static NetnsCounters readNow(TrackedNetns t, ScanErrors errors) {
        if (t.counters == null) {
            return null;
        }
        try {
            Reading<NetnsCounters> counters = t.counters.read();
            errors.note(counters);
            return counters.value();
        } catch (ReaderException e) {
            errors.add(ScanErrors.kindOf(e, ScanErrors.Kind.READ), t.where().withFileOf(e),
                    "counters of namespace " + t.describe() + ": " + e.getMessage());
            return null;
        }
    }

    private static boolean anyQueued(List<ListenerSample> listeners) {
        for (ListenerSample s : listeners) {
            if (s.depth() > 0) {
                return true;
            }
        }
        return false;
    }
}
