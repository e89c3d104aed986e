package dev.backlogsentinel.api;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import java.time.Clock;

/**
 * The wall clock agent and operator inject, replaceable in tests by a bean of their own. A CDI
 * bean of both apps: they index this module (quarkus.index-dependency.crds), which makes it a bean
 * archive; the CDI annotations are provided by Quarkus there and mean nothing elsewhere.
 */
@ApplicationScoped
public class SystemClock {

    @Produces
    @DefaultBean
    @ApplicationScoped
    Clock clock() {
        return Clock.systemUTC();
    }
}
