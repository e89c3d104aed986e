package dev.backlogsentinel.operator.policy;

import dev.backlogsentinel.api.policy.BacklogPolicy;
import dev.backlogsentinel.operator.informers.InformerCache;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Every BacklogPolicy, as the policy-status controller's own informer holds them: the only copy in
 * the operator. The node-pressure controller reads the valid ones from here, and is told when a
 * policy's spec changes (created, edited, deleted), not when its status does.
 */
@ApplicationScoped
public class PolicyCache extends InformerCache<BacklogPolicy> {

    private volatile Consumer<BacklogPolicy> onSpecChange = p -> { };

    /** The one listener to policy spec changes (the node-pressure controller's). */
    public void onSpecChange(Consumer<BacklogPolicy> listener) {
        onSpecChange = listener;
    }

    /** The policies that are enforced now; only once {@link #synced()}. */
    public ValidPolicies valid() {
        return ValidPolicies.of(list(p -> true));
    }

    /** An event of the policy informer (before null: created; now null: deleted). */
    void changed(BacklogPolicy now, BacklogPolicy before) {
        if (now == null || before == null
                || !Objects.equals(now.getMetadata().getGeneration(), before.getMetadata().getGeneration())) {
            onSpecChange.accept(now != null ? now : before);
        }
    }
}
