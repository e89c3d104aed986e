package dev.backlogsentinel.agent.kernel;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Assigns SYN_RECV request sockets (keyed by their local address and port) to the listener that
 * owns them: the exact address first, then a wildcard listener of the same family, then any
 * listener on that port (an IPv4 connection to a dual-stack [::] listener shows as IPv4).
 */
public final class SynRecvMatcher {

    private SynRecvMatcher() {
    }

    /** @return request-socket counts keyed by the listener's endpoint; unmatched ones are dropped */
    public static Map<Endpoint, Integer> assign(List<ListenerSample> listeners, Map<Endpoint, Integer> requests) {
        Map<Endpoint, Integer> byListener = new HashMap<>();
        if (requests.isEmpty()) {
            return byListener;
        }
        Map<Integer, List<ListenerSample>> byPort = new HashMap<>();
        for (ListenerSample l : listeners) {
            byPort.computeIfAbsent(l.endpoint().port(), p -> new java.util.ArrayList<>()).add(l);
        }
        requests.forEach((local, count) -> {
            List<ListenerSample> candidates = byPort.get(local.port());
            if (candidates == null) {
                return;
            }
            Endpoint owner = pick(candidates, local);
            byListener.merge(owner, count, Integer::sum);
        });
        return byListener;
    }

    private static Endpoint pick(List<ListenerSample> candidates, Endpoint local) {
        Endpoint wildcardSameFamily = null;
        for (ListenerSample l : candidates) {
            Endpoint e = l.endpoint();
            if (e.equals(local)) {
                return e;
            }
            if (e.family() == local.family() && e.isWildcard() && wildcardSameFamily == null) {
                wildcardSameFamily = e;
            }
        }
        return wildcardSameFamily != null ? wildcardSameFamily : candidates.getFirst().endpoint();
    }
}
