package dev.backlogsentinel.agent.kernel;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SynRecvMatcherTest {

    static ListenerSample listener(Family f, String addr, int port) {
        return new ListenerSample(new Endpoint(f, addr, port), 1, 0, 16, null);
    }

    @Test
    void exactThenWildcardThenAnyOnThePort() {
        var exact = listener(Family.IPv4, "10.0.0.1", 80);
        var wildcard4 = listener(Family.IPv4, "0.0.0.0", 443);
        var dualStack = listener(Family.IPv6, "::", 8080);
        Map<Endpoint, Integer> requests = Map.of(
                new Endpoint(Family.IPv4, "10.0.0.1", 80), 2,
                new Endpoint(Family.IPv4, "10.0.0.9", 443), 3,
                new Endpoint(Family.IPv4, "10.0.0.9", 8080), 4,
                new Endpoint(Family.IPv4, "10.0.0.9", 9999), 5);
        Map<Endpoint, Integer> assigned = SynRecvMatcher.assign(List.of(exact, wildcard4, dualStack), requests);
        assertThat(assigned).containsEntry(exact.endpoint(), 2)
                .containsEntry(wildcard4.endpoint(), 3)
                .containsEntry(dualStack.endpoint(), 4)
                .hasSize(3);
    }
}
