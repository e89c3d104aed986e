package dev.backlogsentinel.operator;

import dev.backlogsentinel.operator.events.EventRecorder;
import dev.backlogsentinel.operator.metrics.OperatorMetrics;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** An API server that is down: the event is lost, logged and counted, and nothing throws. */
class EventRecorderTest {

    @Test
    void aFailedEventWriteIsCountedNeverFatal() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (KubernetesClient down = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:1").withRequestRetryBackoffLimit(0).withConnectionTimeout(500).build()).build()) {
            EventRecorder recorder = new EventRecorder(down, Clock.systemUTC(), new OperatorMetrics(registry));
            boolean written = recorder.record(new EventRecorder.Request(
                    new ObjectReferenceBuilder().withKind("Pod").withNamespace("shop").withName("web").withUid("u1").build(),
                    "Warning", "ListenQueueSaturated", "Saturated", "full", "finding", "1", Map.of(), Map.of()));
            assertThat(written).isFalse();
        }
        assertThat(registry.get("backlog.operator.event.write.failures").tag("reason", "ListenQueueSaturated").counter().count())
                .isEqualTo(1.0);
    }
}
