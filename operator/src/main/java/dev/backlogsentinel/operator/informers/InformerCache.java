package dev.backlogsentinel.operator.informers;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.health.InformerHealthIndicator;
import io.javaoperatorsdk.operator.health.InformerWrappingEventSourceHealthIndicator;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;

import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * One controller's primary cache, read by the other controller. JOSDK 5.3 gives each controller
 * informers of its own, so the two controllers (node-pressure over reports, policy-status over
 * policies) would each hold every report and every policy a second time; instead each reads the
 * other's primary cache through this, and is woken by the other's events ({@link PrimaryEvents},
 * {@link Nudge}). Until that cache has synced it is not read: a partial list would announce
 * counts, and conditions, that are false.
 */
public class InformerCache<T extends HasMetadata> {

    private volatile IndexerResourceCache<T> cache;

    /** The owning controller hands over its primary cache as it prepares its event sources. */
    public void use(IndexerResourceCache<T> primary) {
        if (!(primary instanceof InformerWrappingEventSourceHealthIndicator<?>)) {
            throw new IllegalStateException("a primary cache without informer health (" + primary.getClass().getName()
                    + "): its sync could not be known");
        }
        this.cache = primary;
    }

    /** Whether the cache is there and every informer behind it has listed everything once. */
    public boolean synced() {
        IndexerResourceCache<T> c = cache;
        return c != null && ((InformerWrappingEventSourceHealthIndicator<?>) c).informerHealthIndicators().values().stream()
                .allMatch(InformerHealthIndicator::hasSynced);
    }

    /** What the cache holds now; call only once {@link #synced()}. */
    public Stream<T> list(Predicate<T> filter) {
        IndexerResourceCache<T> c = cache;
        if (c == null) {
            throw new IllegalStateException("the cache is not there yet");
        }
        return c.list(filter);
    }

    public java.util.List<T> byIndex(String index, String key) {
        IndexerResourceCache<T> c = cache;
        return c == null ? java.util.List.of() : c.byIndex(index, key);
    }
}
