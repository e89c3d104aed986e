package dev.backlogsentinel.operator.node;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the operator has told the cluster about one node: the ListenQueuePressure condition it
 * wrote, and the findings whose ListenQueueSaturated event is open (awaiting its
 * ListenQueueRecovered), with the count each event has reached. It outlives Events (the API server
 * deletes them after --event-ttl) and the operator's own restarts, so a saturation that lasts for
 * hours ends with exactly one Recovered, and nothing is said twice.
 *
 * @param condition what ListenQueuePressure was last written as, or null before the first write
 * @param findings  open findings, in the order they were opened
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Notified(Condition condition, List<Finding> findings) {

    public static final Notified NOTHING = new Notified(null, List.of());

    public Notified {
        findings = findings == null ? List.of() : List.copyOf(findings);
    }

    /**
     * The condition as written.
     *
     * @param messageSha a hash of the message: enough to tell a change, small enough to keep
     * @param since      its lastTransitionTime
     */
    public record Condition(String status, String reason, String messageSha, Instant since) {
    }

    /**
     * One open finding: a listener Saturated since {@code since}.
     *
     * @param key       pod UID / address / port / since: the same listener saturated again later is a new finding
     * @param where     "namespace/pod port N (address)", for the Recovered message when the report no longer has it
     * @param saturated its ListenQueueSaturated event
     * @param overflow  its ListenQueueOverflow event, or null while none was written
     * @param overflows the namespace's ListenOverflows when the overflow event was last written
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Finding(String key, String namespace, String pod, String podUid, String where, String since,
            Written saturated, Written overflow, Long overflows) {
    }

    /** An event as last written: its count, first sighting and last write. */
    public record Written(int count, Instant first, Instant last) {

        public static Written first(Instant now) {
            return new Written(1, now, now);
        }

        public Written raised(Instant now) {
            return new Written(count + 1, first, now);
        }
    }

    public Optional<Finding> finding(String key) {
        return findings.stream().filter(f -> f.key().equals(key)).findFirst();
    }

    public Notified withCondition(Condition c) {
        return new Notified(c, findings);
    }

    /** This finding added, or put in place of the one with its key. */
    public Notified with(Finding finding) {
        List<Finding> next = new ArrayList<>(findings.size() + 1);
        boolean replaced = false;
        for (Finding f : findings) {
            if (f.key().equals(finding.key())) {
                next.add(finding);
                replaced = true;
            } else {
                next.add(f);
            }
        }
        if (!replaced) {
            next.add(finding);
        }
        return new Notified(condition, next);
    }

    public Notified without(String key) {
        return new Notified(condition, findings.stream().filter(f -> !f.key().equals(key)).toList());
    }
}
