package dev.backlogsentinel.operator.events;

import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * The findings whose events the API server keeps refusing, by the policy that asked for them: what
 * a BacklogPolicy's EventsWritten condition says. The node reconciles fill it (a refused write, a
 * write that went through, a finding closed); the policy reconciles read it and are woken when a
 * policy's set of refused findings changes, not at every retry.
 *
 * <p>In memory only: a restarted operator retries what it owes within its backoff (at most a
 * minute) and so learns again which writes are refused.
 */
@ApplicationScoped
public class UndeliveredEvents {

    /**
     * One finding's refused events.
     *
     * @param what  which event of which listener, as a user reads it
     * @param error the server's first answer, kept so the condition does not move at every retry
     * @param since the first refusal
     */
    public record Refusal(String what, String error, Instant since) {
    }

    /** namespace/policy to finding key to its refusal. */
    private final Map<String, Map<String, Refusal>> byPolicy = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<BiConsumer<String, String>> listeners = new CopyOnWriteArrayList<>();

    /** Told (namespace, policy) when a policy's set of refused findings changes. */
    public void onChange(BiConsumer<String, String> listener) {
        listeners.add(listener);
    }

    public void refused(String namespace, String policy, String finding, String what, String error, Instant now) {
        Map<String, Refusal> refusals = byPolicy.computeIfAbsent(key(namespace, policy), k -> new ConcurrentHashMap<>());
        if (refusals.putIfAbsent(finding, new Refusal(what, error, now)) == null) {
            changed(namespace, policy);
        }
    }

    /** The finding's events went through (or it asks for none any more). */
    public void written(String namespace, String policy, String finding) {
        Map<String, Refusal> refusals = byPolicy.get(key(namespace, policy));
        if (refusals != null && refusals.remove(finding) != null) {
            changed(namespace, policy);
        }
    }

    /** The finding is over (recovered, or its namespace is gone): under whichever policy it was. */
    public void closed(String finding) {
        byPolicy.forEach((key, refusals) -> {
            if (refusals.remove(finding) != null) {
                int slash = key.indexOf('/');
                changed(key.substring(0, slash), key.substring(slash + 1));
            }
        });
    }

    /** The open refusals of a policy's findings, by finding key. */
    public Map<String, Refusal> of(String namespace, String policy) {
        return Map.copyOf(byPolicy.getOrDefault(key(namespace, policy), Map.of()));
    }

    private void changed(String namespace, String policy) {
        listeners.forEach(l -> l.accept(namespace, policy));
    }

    private static String key(String namespace, String policy) {
        return namespace + "/" + policy;
    }
}
