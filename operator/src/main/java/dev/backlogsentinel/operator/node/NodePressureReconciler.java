package dev.backlogsentinel.operator.node;

import dev.backlogsentinel.api.Conventions;
import dev.backlogsentinel.api.policy.BacklogPolicy;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.operator.config.OperatorNamespace;
import dev.backlogsentinel.operator.policy.PolicyIndex;
import dev.backlogsentinel.operator.policy.ValidPolicies;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.health.InformerHealthIndicator;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import jakarta.inject.Inject;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One reconcile per NodeBacklogReport (one per node), also woken when the node's agent goes silent
 * or speaks again (not by its renewals: AgentSilenceEventSource) and by a change of a policy the
 * report names, since a policy's flags decide what its listeners mean. A report is all status (its
 * generation never moves), so every write of it must wake this controller.
 */
@ControllerConfiguration(name = NodePressureReconciler.NAME, generationAwareEventProcessing = false)
public class NodePressureReconciler implements Reconciler<NodeBacklogReport> {

    public static final String NAME = "node-pressure";

    @Inject
    NodeReconciliation reconciliation;

    @Inject
    OperatorNamespace namespace;

    @Inject
    AgentHeartbeats heartbeats;

    private AgentSilenceEventSource silence;

    @Override
    public List<EventSource<?, NodeBacklogReport>> prepareEventSources(EventSourceContext<NodeBacklogReport> context) {
        context.getPrimaryCache().addIndexer(PolicyIndex.NAME, PolicyIndex::policiesOf);
        var leases = InformerEventSourceConfiguration.from(Lease.class, NodeBacklogReport.class)
                .withName("agent-leases")
                .withNamespaces(namespace.get())
                // A renewal changes nothing by itself: only the cache. Silence and its end come from the sweep below.
                .withOnUpdateFilter((next, previous) -> false)
                .withSecondaryToPrimaryMapper(lease -> {
                    String name = lease.getMetadata().getName();
                    return name.startsWith(Conventions.AGENT_LEASE_PREFIX)
                            ? Set.of(new ResourceID(name.substring(Conventions.AGENT_LEASE_PREFIX.length())))
                            : Set.of();
                })
                .build();
        // A policy concerns the nodes whose report names it; its status patches (generation unchanged) concern none.
        var policies = InformerEventSourceConfiguration.from(BacklogPolicy.class, NodeBacklogReport.class)
                .withName("policies-for-nodes")
                .withWatchAllNamespaces()
                .withOnUpdateFilter((next, previous) -> !Objects.equals(next.getMetadata().getGeneration(),
                        previous.getMetadata().getGeneration()))
                .withSecondaryToPrimaryMapper(policy -> context.getPrimaryCache()
                        .byIndex(PolicyIndex.NAME, PolicyIndex.key(policy.getMetadata().getNamespace(), policy.getMetadata().getName()))
                        .stream().map(ResourceID::fromResource).collect(Collectors.toSet()))
                .build();
        InformerEventSource<Lease, NodeBacklogReport> leaseSource = new InformerEventSource<>(leases, context);
        heartbeats.watching(() -> leaseSource.informerHealthIndicators().values().stream().allMatch(InformerHealthIndicator::isWatching));
        silence = new AgentSilenceEventSource(leaseSource, heartbeats);
        return List.of(leaseSource, silence, new InformerEventSource<>(policies, context));
    }

    @Override
    @SuppressWarnings("unchecked")
    public UpdateControl<NodeBacklogReport> reconcile(NodeBacklogReport report, Context<NodeBacklogReport> context) {
        Lease lease = context.getSecondaryResource(Lease.class, "agent-leases").orElse(null);
        var policySource = (InformerEventSource<BacklogPolicy, NodeBacklogReport>) context.eventSourceRetriever()
                .getEventSourceFor(BacklogPolicy.class);
        ValidPolicies policies = ValidPolicies.of(policySource.list(p -> true));
        NodeReconciliation.Result result = reconciliation.reconcile(report, lease, policies);
        silence.actedOn(report.getMetadata().getName(), result.agentAlive());
        return result.lookAgainIn()
                .map(after -> UpdateControl.<NodeBacklogReport>noUpdate().rescheduleAfter(after))
                .orElseGet(UpdateControl::noUpdate);
    }
}
