package dev.backlogsentinel.api.report;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** The pod a listener belongs to. */
public class PodRef {

    @JsonPropertyDescription("Pod namespace.")
    private String namespace;
    @JsonPropertyDescription("Pod name.")
    private String name;
    @JsonPropertyDescription("Pod UID.")
    private String uid;

    public PodRef() {
    }

    public PodRef(String namespace, String name, String uid) {
        this.namespace = namespace;
        this.name = name;
        this.uid = uid;
    }

    public String getNamespace() {
        return namespace;
    }

    public void setNamespace(String namespace) {
        this.namespace = namespace;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getUid() {
        return uid;
    }

    public void setUid(String uid) {
        this.uid = uid;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PodRef other && Objects.equals(namespace, other.namespace) && Objects.equals(name, other.name) && Objects.equals(uid, other.uid);
    }

    @Override
    public int hashCode() {
        return Objects.hash(namespace, name, uid);
    }
}
