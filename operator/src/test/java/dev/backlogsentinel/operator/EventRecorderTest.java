package dev.backlogsentinel.operator;

import dev.backlogsentinel.operator.events.EventRecorder;
import dev.backlogsentinel.operator.metrics.OperatorMetrics;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** No API server at all (nothing listens on the port): the write fails loudly and is counted, for the caller to retry. */
class EventRecorderTest {

    @Test
    void aFailedEventWriteIsCountedAndThrownForTheCallerToRetry() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (KubernetesClient down = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:1").withRequestRetryBackoffLimit(0).withConnectionTimeout(500).build()).build()) {
            EventRecorder recorder = new EventRecorder(down, new OperatorMetrics(registry));
            Instant now = Instant.parse("2026-11-21T10:00:00Z");
            assertThatThrownBy(() -> recorder.write(new EventRecorder.Request(
                    new ObjectReferenceBuilder().withKind("Pod").withNamespace("shop").withName("web").withUid("u1").build(),
                    "Warning", "ListenQueueSaturated", "Saturated", "full", "finding", 1, now, now, Map.of())))
                    .isInstanceOf(KubernetesClientException.class);
        }
        assertThat(registry.get("backlog.operator.event.write.failures").tag("reason", "ListenQueueSaturated").counter().count())
                .isEqualTo(1.0);
    }
}
