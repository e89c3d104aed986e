package dev.backlogsentinel.operator.admission;

import java.util.Optional;

/** The node a pod of the agents' namespace is bound to, if that pod (name and uid) exists and is bound. */
@FunctionalInterface
public interface PodNodes {

    Optional<String> nodeOf(String pod, String uid);
}
