package dev.backlogsentinel.operator.policy;

import dev.backlogsentinel.api.policy.BacklogPolicy;
import dev.backlogsentinel.api.policy.BacklogPolicySpec;
import dev.backlogsentinel.api.policy.PolicyValidation;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** The policies that are enforced, by namespace and name: an invalid policy is not enforced at all. */
public final class ValidPolicies {

    private final Map<String, BacklogPolicySpec> byKey = new HashMap<>();

    private ValidPolicies() {
    }

    public static ValidPolicies of(Stream<BacklogPolicy> policies) {
        ValidPolicies valid = new ValidPolicies();
        policies.filter(p -> PolicyValidation.problems(p.getSpec()).isEmpty())
                .forEach(p -> valid.byKey.put(key(p.getMetadata().getNamespace(), p.getMetadata().getName()), p.getSpec()));
        return valid;
    }

    public Optional<BacklogPolicySpec> get(String namespace, String name) {
        return Optional.ofNullable(byKey.get(key(namespace, name)));
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }
}
