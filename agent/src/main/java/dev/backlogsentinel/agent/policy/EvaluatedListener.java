package dev.backlogsentinel.agent.policy;

import dev.backlogsentinel.agent.attribution.PodInfo;
import dev.backlogsentinel.agent.scan.ListenerFinding;
import dev.backlogsentinel.agent.scan.NetnsScan;
import dev.backlogsentinel.api.ListenerState;

import java.time.Instant;

/** One listener under one policy that is not OK, with what the report says about it. */
public record EvaluatedListener(String policyNamespace, String policyName, PodInfo pod, NetnsScan netns,
        ListenerFinding listener, ListenerState state, Instant since, long peakDepth) {
}
