package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.kernel.ScanErrors;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Everything one scan of the machine found.
 *
 * @param reader     "netlink", "procfs", or "netlink+procfs" when some namespaces could only be read through procfs
 * @param readerNote why a namespace is not read with netlink, when that happened (else null)
 * @param namespaces worst first
 */
public record NodeScan(Instant at, Duration took, String reader, String readerNote, List<NetnsScan> namespaces,
        ScanErrors errors) {

    public int listenerCount() {
        return namespaces.stream().mapToInt(n -> n.listeners().size()).sum();
    }
}
