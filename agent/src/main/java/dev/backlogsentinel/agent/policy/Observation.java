package dev.backlogsentinel.agent.policy;

import java.time.Instant;

/**
 * What one scan saw of one listener, as the state machine needs it.
 *
 * @param usagePercent     depth ÷ limit in percent, or null when the limit is unknown
 * @param full             depth above limit: the kernel is dropping connections
 * @param overflowsPerMinute ListenOverflows rate of the listener's network namespace since the previous scan
 */
public record Observation(Instant at, long depth, Double usagePercent, boolean full, double overflowsPerMinute) {
}
