package dev.backlogsentinel.api.policy;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.backlogsentinel.api.ListenQueue;

import java.util.Objects;

/**
 * One Saturated listener as the policy's status lists it: the queue as its node's report gave it
 * ({@link ListenQueue}), and where it is.
 */
public class SaturatedListener extends ListenQueue {

    @JsonPropertyDescription("Node the pod runs on.")
    private String node;
    @JsonPropertyDescription("Pod name (in the policy's namespace).")
    private String pod;

    public SaturatedListener() {
    }

    /** The queue of a reported listener, on a node, in a pod. */
    public SaturatedListener(String node, String pod, ListenQueue queue) {
        super(queue);
        this.node = node;
        this.pod = pod;
    }

    public String getNode() {
        return node;
    }

    public void setNode(String node) {
        this.node = node;
    }

    public String getPod() {
        return pod;
    }

    public void setPod(String pod) {
        this.pod = pod;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SaturatedListener s && sameQueue(s) && Objects.equals(node, s.node) && Objects.equals(pod, s.pod);
    }

    @Override
    public int hashCode() {
        return Objects.hash(queueHash(), node, pod);
    }
}
