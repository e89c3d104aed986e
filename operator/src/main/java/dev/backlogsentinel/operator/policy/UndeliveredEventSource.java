package dev.backlogsentinel.operator.policy;

import dev.backlogsentinel.api.policy.BacklogPolicy;
import dev.backlogsentinel.operator.events.UndeliveredEvents;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;

import java.util.Set;

/** Wakes a policy's reconcile when the set of its findings whose events are refused changes (its EventsWritten condition). */
final class UndeliveredEventSource extends AbstractEventSource<UndeliveredEventSource.Refusals, BacklogPolicy> {

    /** Nothing to hand to a reconcile: it reads the refusals from {@link UndeliveredEvents}. */
    record Refusals() {
    }

    UndeliveredEventSource(UndeliveredEvents undelivered) {
        super(Refusals.class, "undelivered-events");
        undelivered.onChange((namespace, policy) -> {
            if (getEventHandler() != null && isRunning()) {
                getEventHandler().handleEvent(new Event(new ResourceID(policy, namespace)));
            }
        });
    }

    @Override
    public Set<Refusals> getSecondaryResources(BacklogPolicy primary) {
        return Set.of();
    }
}
