package dev.backlogsentinel.operator.events;

import dev.backlogsentinel.api.Vocabulary;
import dev.backlogsentinel.api.Conventions;
import dev.backlogsentinel.api.Labels;
import dev.backlogsentinel.api.Patches;
import dev.backlogsentinel.operator.metrics.OperatorMetrics;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes core/v1 Events, as the kubelet and client-go's recorder do.
 *
 * <p>Why core/v1 and not events.k8s.io/v1: the newer API refuses count, firstTimestamp and
 * lastTimestamp on create and makes the note immutable, so a repeat can only grow a series whose
 * first sighting `kubectl describe` does not show, and a Node's event is accepted only in some
 * namespaces depending on the server version. core/v1 takes the same Event on every version the
 * chart supports: a repeat raises count and lastTimestamp and refreshes the message, so
 * `kubectl describe` prints "(x12 over 1h)".
 *
 * <p>An event's name comes from (object UID, reason, finding), so a repeat finds the same Event
 * and a restarted operator cannot add a second one. The count lives in the caller's memory (kept
 * on the cluster, see NotifiedStore), not in the Event, because the API server deletes Events
 * after its --event-ttl (1 h by default): a raise whose Event has expired re-creates it with the
 * remembered count and first sighting. No Event is ever read back.
 *
 * <p>A refused or failed write throws after counting it; the caller keeps it pending and retries.
 */
@ApplicationScoped
public class EventRecorder {


    /** What a write did. */
    public enum Outcome {
        /** Created, or its count raised. */
        WRITTEN,
        /** A create found the Event already there (written before a restart): nothing to do. */
        ALREADY_THERE
    }

    /**
     * One event to write: its count-th sighting, first seen at {@code first}.
     *
     * @param finding what the event is about, stable across repeats (e.g. pod, port and since)
     */
    public record Request(ObjectReference regarding, String type, String reason, String action, String message, String finding,
            int count, Instant first, Instant last, Map<String, String> labels) {
    }

    private final KubernetesClient client;
    private final OperatorMetrics metrics;
    private final String instance;

    @Inject
    public EventRecorder(KubernetesClient client, OperatorMetrics metrics) {
        this.client = client;
        this.metrics = metrics;
        this.instance = Conventions.instanceName(Vocabulary.OPERATOR);
    }

    /**
     * The first sighting is a create; a later one raises the count with a merge patch, and creates
     * the Event again (with the count carried on) when the server has deleted it.
     *
     * @throws KubernetesClientException when the server refuses or cannot be reached; counted
     */
    public Outcome write(Request request) {
        String namespace = namespaceOf(request.regarding());
        String name = eventName(request.regarding(), request.reason(), request.finding());
        try {
            Outcome outcome;
            if (request.count() <= 1) {
                outcome = create(namespace, name, request);
            } else {
                outcome = raise(namespace, name, request);
            }
            metrics.eventWritten(request.reason());
            return outcome;
        } catch (KubernetesClientException e) {
            metrics.eventFailed(request.reason());
            throw e;
        }
    }

    private Outcome create(String namespace, String name, Request request) {
        try {
            client.v1().events().inNamespace(namespace).resource(event(namespace, name, request)).create();
            return Outcome.WRITTEN;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                return Outcome.ALREADY_THERE;
            }
            throw e;
        }
    }

    private Outcome raise(String namespace, String name, Request request) {
        Map<String, Object> patch = new LinkedHashMap<>();
        patch.put("count", request.count());
        patch.put("lastTimestamp", seconds(request.last()));
        patch.put("message", FindingMessages.cut(request.message()));
        try {
            client.v1().events().inNamespace(namespace).resource(Patches.target(new Event(), namespace, name))
                    .patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(patch));
            return Outcome.WRITTEN;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                // Expired (--event-ttl) while the finding went on: the same Event again, its count carried on.
                return create(namespace, name, request);
            }
            throw e;
        }
    }

    private Event event(String namespace, String name, Request request) {
        Map<String, String> labels = new LinkedHashMap<>(request.labels());
        labels.put(Vocabulary.MANAGED_BY_LABEL, Vocabulary.OPERATOR);
        return new EventBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels).endMetadata()
                .withInvolvedObject(request.regarding()).withType(request.type()).withReason(request.reason())
                .withAction(request.action()).withMessage(FindingMessages.cut(request.message()))
                .withCount(Math.max(request.count(), 1))
                .withFirstTimestamp(seconds(request.first())).withLastTimestamp(seconds(request.last()))
                // source.component is what kubectl describe shows as "From" on every version.
                .withNewSource().withComponent(Vocabulary.CONTROLLER).endSource()
                .withReportingComponent(Vocabulary.CONTROLLER).withReportingInstance(instance)
                .build();
    }

    private static String seconds(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** Events of cluster-scoped objects (Nodes) go to "default", as the kubelet's do. */
    static String namespaceOf(ObjectReference regarding) {
        return regarding.getNamespace() == null || regarding.getNamespace().isEmpty() ? "default" : regarding.getNamespace();
    }

    static String eventName(ObjectReference regarding, String reason, String finding) {
        String base = regarding.getName().length() > 200 ? regarding.getName().substring(0, 200) : regarding.getName();
        return base + "." + Labels.sha256(regarding.getUid() + "|" + reason + "|" + finding).substring(0, 16);
    }
}
