package dev.backlogsentinel.api;

/**
 * Every name Backlog Sentinel shows a cluster, in one place (as node-problem-detector keeps its
 * vocabulary): condition types and their reasons, event reasons and actions, the reporting
 * controller, annotation and label keys, Lease names. Agent, operator and tests use these
 * constants; VocabularyTest fails on a string literal of any of them anywhere else in the main
 * sources. There are no finalizers: reports are owned by their Node and go with it.
 */
public final class Vocabulary {

    // --- The node condition ---

    /** The node condition's type. */
    public static final String NODE_CONDITION = "ListenQueuePressure";
    /** Its reason while a listen queue on the node is saturated (status True). */
    public static final String REASON_SATURATED = "ListenQueueSaturated";
    /** Its reason while none is (status False). */
    public static final String REASON_NO_PRESSURE = "NoListenQueuePressure";
    /** Its reason while the node's agent does not renew its Lease (status Unknown). */
    public static final String REASON_AGENT_NOT_REPORTING = "BacklogAgentNotReporting";

    // --- Event reasons ---

    /** On a pod: one of its listen queues is saturated. */
    public static final String EVENT_SATURATED = REASON_SATURATED;
    /** On a pod: its full queue dropped connections. */
    public static final String EVENT_OVERFLOW = "ListenQueueOverflow";
    /** On a pod: a saturation ended. */
    public static final String EVENT_RECOVERED = "ListenQueueRecovered";
    /** On a node: the condition turned True. */
    public static final String EVENT_PRESSURE = NODE_CONDITION;
    /** On a node: the condition turned False after True. */
    public static final String EVENT_NO_PRESSURE = REASON_NO_PRESSURE;
    /** On a node: its agent stopped reporting. */
    public static final String EVENT_AGENT_NOT_REPORTING = REASON_AGENT_NOT_REPORTING;
    /** On a policy: it cannot be enforced. */
    public static final String EVENT_INVALID_POLICY = "InvalidPolicy";

    // --- Event actions (events.k8s.io's action, core's reportingInstance aside) ---

    public static final String ACTION_SATURATED = "Saturated";
    public static final String ACTION_DROPPED = "Dropped";
    public static final String ACTION_RECOVERED = "Recovered";
    public static final String ACTION_VALIDATE = "Validate";

    // --- A policy's conditions ---

    /** Whether the policy is enforced. */
    public static final String POLICY_READY = "Ready";
    public static final String REASON_ACCEPTED = "Accepted";
    public static final String REASON_INVALID_SPEC = "InvalidSpec";
    /** Whether its findings' events reach the API server. */
    public static final String POLICY_EVENTS_WRITTEN = "EventsWritten";
    public static final String REASON_WRITTEN = "Written";
    public static final String REASON_EVENT_WRITES_FAILING = "EventWritesFailing";

    // --- Who writes, and the keys on what it writes ---

    /** The events' reporting controller (source component). */
    public static final String CONTROLLER = "backlogsentinel.dev/operator";
    /** On a node's report: what the operator said of that node, so a restart repeats nothing. */
    public static final String NOTIFIED_ANNOTATION = "backlogsentinel.dev/notified";
    /** On what is written about a node: the node (see {@link Labels#value}). */
    public static final String NODE_LABEL = "backlogsentinel.dev/node";
    /** Kubernetes' recommended label of who manages an object. */
    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";

    // --- The components: their managed-by label values, and names where none is given ---

    public static final String AGENT = "backlog-sentinel-agent";
    public static final String OPERATOR = "backlog-sentinel-operator";

    // --- Leases ---

    /** An agent's heartbeat Lease is this followed by its node's name. */
    public static final String AGENT_LEASE_PREFIX = AGENT + "-";
    /** The operator's leader-election Lease. */
    public static final String OPERATOR_LEASE = OPERATOR;

    private Vocabulary() {
    }
}
