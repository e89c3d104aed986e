package dev.backlogsentinel.operator.events;

import dev.backlogsentinel.api.Conventions;
import dev.backlogsentinel.operator.metrics.OperatorMetrics;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.api.model.events.v1.EventBuilder;
import io.fabric8.kubernetes.api.model.events.v1.EventSeriesBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Writes events.k8s.io/v1 Events. An event's name comes from (object UID, reason, finding), so a
 * repeat of the same finding raises its count instead of adding an event; the observation that was
 * counted is kept on the Event itself, so a restarted operator recounts nothing. A failed write is
 * logged and counted, never fatal.
 */
@ApplicationScoped
public class EventRecorder {

    public static final String CONTROLLER = "backlogsentinel.dev/operator";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY_VALUE = "backlog-sentinel-operator";
    public static final String NODE_LABEL = "backlogsentinel.dev/node";
    public static final String OPEN_LABEL = "backlogsentinel.dev/open";
    public static final String FINDING = "backlogsentinel.dev/finding";
    public static final String OBSERVATION = "backlogsentinel.dev/observation";
    static final DateTimeFormatter MICRO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSX").withZone(java.time.ZoneOffset.UTC);

    private static final Logger LOG = Logger.getLogger(EventRecorder.class);

    /**
     * One event to write.
     *
     * @param finding     what the event is about, stable across repeats (e.g. pod, port and since)
     * @param observation what was seen this time; a different one raises the count, the same one does nothing
     * @param labels      extra labels (node, open) so later reconciles can find it
     * @param annotations extra annotations (e.g. where, for the recovery message)
     */
    public record Request(ObjectReference regarding, String type, String reason, String action, String note, String finding,
            String observation, Map<String, String> labels, Map<String, String> annotations) {
    }

    private final KubernetesClient client;
    private final Clock clock;
    private final OperatorMetrics metrics;
    private final String instance;

    @Inject
    public EventRecorder(KubernetesClient client, Clock clock, OperatorMetrics metrics) {
        this.client = client;
        this.clock = clock;
        this.metrics = metrics;
        this.instance = Conventions.instanceName("backlog-sentinel-operator");
    }

    /** @return true when an event was created or its count raised */
    public boolean record(Request request) {
        String namespace = namespaceOf(request.regarding());
        String name = eventName(request.regarding(), request.reason(), request.finding());
        try {
            Event existing = client.events().v1().events().inNamespace(namespace).withName(name).get();
            MicroTime now = new MicroTime(MICRO.format(clock.instant().truncatedTo(ChronoUnit.MICROS)));
            String nowSeconds = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
            if (existing == null) {
                Event event = new EventBuilder()
                        .withNewMetadata().withName(name).withNamespace(namespace)
                        .addToLabels(MANAGED_BY, MANAGED_BY_VALUE).addToLabels(request.labels())
                        .addToAnnotations(request.annotations())
                        .addToAnnotations(FINDING, request.finding()).addToAnnotations(OBSERVATION, request.observation())
                        .endMetadata()
                        .withRegarding(request.regarding()).withType(request.type()).withReason(request.reason())
                        .withAction(request.action()).withNote(FindingMessages.cut(request.note())).withEventTime(now)
                        .withReportingController(CONTROLLER).withReportingInstance(instance)
                        .withDeprecatedCount(1).withDeprecatedFirstTimestamp(nowSeconds).withDeprecatedLastTimestamp(nowSeconds)
                        .build();
                client.events().v1().events().inNamespace(namespace).resource(event).create();
            } else if (request.observation().equals(existing.getMetadata().getAnnotations().get(OBSERVATION))) {
                return false;
            } else {
                int count = (existing.getDeprecatedCount() == null ? 1 : existing.getDeprecatedCount()) + 1;
                client.events().v1().events().inNamespace(namespace).withName(name).edit(e -> new EventBuilder(e)
                        .editMetadata().addToAnnotations(OBSERVATION, request.observation()).addToLabels(request.labels()).endMetadata()
                        .withNote(FindingMessages.cut(request.note())).withDeprecatedCount(count).withDeprecatedLastTimestamp(nowSeconds)
                        .withSeries(new EventSeriesBuilder().withCount(count).withLastObservedTime(now).build())
                        .build());
            }
            metrics.eventWritten(request.reason());
            return true;
        } catch (KubernetesClientException e) {
            metrics.eventFailed(request.reason());
            LOG.warnf("could not write event %s/%s (%s on %s %s): %s", namespace, name, request.reason(),
                    request.regarding().getKind(), request.regarding().getName(), e.getMessage());
            return false;
        }
    }

    /** Open ListenQueueSaturated events of a node: the memory of what may need a ListenQueueRecovered. */
    public List<Event> openSaturated(String nodeLabel) {
        return client.events().v1().events().inAnyNamespace()
                .withLabels(Map.of(MANAGED_BY, MANAGED_BY_VALUE, NODE_LABEL, nodeLabel, OPEN_LABEL, "true")).list().getItems();
    }

    /** Marks a Saturated event as recovered, so it is not recovered twice. */
    public void close(Event event) {
        try {
            client.events().v1().events().inNamespace(event.getMetadata().getNamespace()).withName(event.getMetadata().getName())
                    .edit(e -> new EventBuilder(e).editMetadata().addToLabels(OPEN_LABEL, "false").endMetadata().build());
        } catch (KubernetesClientException e) {
            metrics.eventFailed("close");
            LOG.warnf("could not mark event %s/%s recovered: %s", event.getMetadata().getNamespace(),
                    event.getMetadata().getName(), e.getMessage());
        }
    }

    /** Events of cluster-scoped objects (Nodes) go to "default", as kubelet's do. */
    static String namespaceOf(ObjectReference regarding) {
        return regarding.getNamespace() == null || regarding.getNamespace().isEmpty() ? "default" : regarding.getNamespace();
    }

    static String eventName(ObjectReference regarding, String reason, String finding) {
        String base = regarding.getName().length() > 200 ? regarding.getName().substring(0, 200) : regarding.getName();
        return base + "." + sha(regarding.getUid() + "|" + reason + "|" + finding).substring(0, 16);
    }

    /** A label value (at most 63 characters) for a node name, which may be longer. */
    public static String labelValue(String value) {
        return value.length() <= 63 ? value : value.substring(0, 46) + "-" + sha(value).substring(0, 16);
    }

    static String sha(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
