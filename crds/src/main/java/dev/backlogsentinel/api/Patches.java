package dev.backlogsentinel.api;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

/**
 * Patches in one request. fabric8's {@code patch(PatchContext, String)} first GETs the object it
 * patches (only to learn its name and namespace) unless the operation already holds an object:
 * {@code resource(Patches.target(new Node(), null, name)).patch(...)} sends the PATCH alone. That
 * halves the requests of every write the agent and the operator make, and needs no read right.
 */
public final class Patches {

    private Patches() {
    }

    /** The empty object, named: what to hand to {@code resource(..)} before a patch. */
    public static <T extends HasMetadata> T target(T empty, String namespace, String name) {
        empty.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
        return empty;
    }
}
