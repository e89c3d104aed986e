package dev.backlogsentinel.operator.node;

/**
 * The ListenQueuePressure condition a node should have (its type and reasons are in Vocabulary;
 * its statuses are Kubernetes' own).
 */
public record DesiredCondition(String status, String reason, String message) {

    public static final String TRUE = "True";
    public static final String FALSE = "False";
    public static final String UNKNOWN = "Unknown";
}
