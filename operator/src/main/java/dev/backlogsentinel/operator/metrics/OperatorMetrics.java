package dev.backlogsentinel.operator.metrics;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.processing.Controller;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Map;

/**
 * The operator's metrics (prefix backlog_operator_). It is also the operator SDK's Metrics, so
 * reconciles and their failures are counted by the framework itself, per controller. It replaces
 * the SDK's Micrometer binding, whose timer events lack a tag its other events carry and so break
 * the Prometheus registry.
 */
@ApplicationScoped
public class OperatorMetrics implements Metrics {

    private final MeterRegistry registry;
    private final Counter nodePatches;
    private final Counter statusPatches;

    @Inject
    public OperatorMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.nodePatches = Counter.builder("backlog.operator.node.patches").description("ListenQueuePressure condition patches")
                .register(registry);
        this.statusPatches = Counter.builder("backlog.operator.policy.status.patches").description("BacklogPolicy status patches")
                .register(registry);
        // Failure counters exist from the start, at 0: Prometheus's rate() and the chart's alerts
        // then see the first failure, which a counter born at 1 would hide.
        Counter.builder("backlog.operator.node.patch.failures").description("ListenQueuePressure condition patches that failed (retried)")
                .register(registry);
        Counter.builder("backlog.operator.memory.write.failures").description("Writes of a node's notified memory that failed (retried)")
                .register(registry);
    }

    /** Each controller's reconcile counters exist, at 0, before its first reconcile. */
    @Override
    public void controllerRegistered(Controller<? extends HasMetadata> controller) {
        String name = controller.getConfiguration().getName();
        Counter.builder("backlog.operator.reconciles").tag("controller", name).description("Reconciles, by controller").register(registry);
        Counter.builder("backlog.operator.reconcile.errors").tag("controller", name).description("Reconciles that failed, by controller")
                .register(registry);
    }

    @Override
    public void reconciliationSucceeded(HasMetadata resource, Map<String, Object> metadata) {
        registry.counter("backlog.operator.reconciles", "controller", controller(metadata)).increment();
    }

    @Override
    public void reconciliationFailed(HasMetadata resource, RetryInfo retry, Exception exception, Map<String, Object> metadata) {
        registry.counter("backlog.operator.reconciles", "controller", controller(metadata)).increment();
        registry.counter("backlog.operator.reconcile.errors", "controller", controller(metadata)).increment();
    }

    private static String controller(Map<String, Object> metadata) {
        Object name = metadata == null ? null : metadata.get(Constants.CONTROLLER_NAME);
        return name == null ? "unknown" : name.toString();
    }

    public void eventWritten(String reason) {
        eventCounters(reason);
        registry.counter("backlog.operator.events.written", "reason", reason).increment();
    }

    public void eventFailed(String reason) {
        eventCounters(reason);
        registry.counter("backlog.operator.event.write.failures", "reason", reason).increment();
    }

    /** A reason's written and failed counters come into being together, so a failure after a success is seen by rate(). */
    private void eventCounters(String reason) {
        Counter.builder("backlog.operator.events.written").tag("reason", reason).description("Events written, by reason").register(registry);
        Counter.builder("backlog.operator.event.write.failures").tag("reason", reason).description("Event writes that failed (retried), by reason")
                .register(registry);
    }

    public void nodePatchFailed() {
        registry.counter("backlog.operator.node.patch.failures").increment();
    }

    /** The node's memory (what was notified) could not be saved on its report; retried. */
    public void memoryWriteFailed() {
        registry.counter("backlog.operator.memory.write.failures").increment();
    }

    public void nodePatched() {
        nodePatches.increment();
    }

    public void statusPatched() {
        statusPatches.increment();
    }
}
