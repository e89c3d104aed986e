package dev.backlogsentinel.operator.informers;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.javaoperatorsdk.operator.processing.event.source.ResourceEventAware;

import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Every event of a controller's primary informer, before its filters, handed to a listener as
 * (now, before): before is null for a creation, now is null for a deletion. JOSDK broadcasts
 * primary events to the controller's event sources that are ResourceEventAware; this is how the
 * other controller learns of them without an informer of its own.
 */
public final class PrimaryEvents<P extends HasMetadata> extends AbstractEventSource<Nudge.Nothing, P> implements ResourceEventAware<P> {

    private final BiConsumer<P, P> listener;

    public PrimaryEvents(String name, BiConsumer<P, P> listener) {
        super(Nudge.Nothing.class, name);
        this.listener = listener;
    }

    @Override
    public void onResourceCreated(P resource) {
        listener.accept(resource, null);
    }

    @Override
    public void onResourceUpdated(P newResource, P oldResource) {
        listener.accept(newResource, oldResource);
    }

    @Override
    public void onResourceDeleted(P resource) {
        listener.accept(null, resource);
    }

    @Override
    public Set<Nudge.Nothing> getSecondaryResources(P primary) {
        return Set.of();
    }
}
