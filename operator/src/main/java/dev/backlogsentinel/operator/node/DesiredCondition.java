package dev.backlogsentinel.operator.node;

/** The ListenQueuePressure condition a node should have. */
public record DesiredCondition(String status, String reason, String message) {

    public static final String TYPE = "ListenQueuePressure";
    public static final String TRUE = "True";
    public static final String FALSE = "False";
    public static final String UNKNOWN = "Unknown";
    public static final String SATURATED = "ListenQueueSaturated";
    public static final String NO_PRESSURE = "NoListenQueuePressure";
    public static final String NOT_REPORTING = "BacklogAgentNotReporting";
}
