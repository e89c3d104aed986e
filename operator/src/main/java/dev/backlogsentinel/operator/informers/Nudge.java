package dev.backlogsentinel.operator.informers;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;

import java.util.Set;

/**
 * An event source that wakes a controller's reconcile of one resource when something outside its
 * own informers changed (the other controller's cache, refused events): it hands the reconcile
 * nothing, which then reads what it needs from the caches.
 */
public final class Nudge<P extends HasMetadata> extends AbstractEventSource<Nudge.Nothing, P> {

    /** Nothing to hand to a reconcile. */
    public record Nothing() {
    }

    public Nudge(String name) {
        super(Nothing.class, name);
    }

    /** Wakes the reconcile of this resource; a nudge before the controller runs is dropped (its first reconciles read everything). */
    public void wake(ResourceID id) {
        if (getEventHandler() != null && isRunning()) {
            getEventHandler().handleEvent(new Event(id));
        }
    }

    @Override
    public Set<Nothing> getSecondaryResources(P primary) {
        return Set.of();
    }
}
