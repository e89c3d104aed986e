package dev.backlogsentinel.operator.node;

import dev.backlogsentinel.api.Vocabulary;
import dev.backlogsentinel.api.Conventions;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import dev.backlogsentinel.operator.config.OperatorNamespace;
import dev.backlogsentinel.operator.policy.PolicyIndex;
import dev.backlogsentinel.operator.policy.PolicyCache;
import dev.backlogsentinel.operator.policy.ReportCache;
import dev.backlogsentinel.operator.informers.Nudge;
import dev.backlogsentinel.operator.informers.PrimaryEvents;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
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
import java.util.Set;

/**
 * One reconcile per NodeBacklogReport (one per node), also woken when the node's agent goes silent
 * or speaks again (not by its renewals: AgentSilenceEventSource) and by a change of a policy the
 * report names, since a policy's flags decide what its listeners mean. Its primary informer is the
 * operator's only copy of the reports ({@link ReportCache}); the policies are read from the
 * policy-status controller's ({@link PolicyCache}). A report is all status (its
 * generation never moves), so every write of it must wake this controller.
 */
@ControllerConfiguration(name = NodePressureReconciler.NAME, generationAwareEventProcessing = false,
        informer = @Informer(informerListLimit = NodePressureReconciler.LIST_PAGE, itemStore = ReportStore.class))
public class NodePressureReconciler implements Reconciler<NodeBacklogReport> {

    public static final String NAME = "node-pressure";

    /**
     * Reports and Leases are listed in pages of this many. At 5,000 busy nodes one LIST of every
     * report is about 68 MB and took 14.5 s on a 2-core test machine, past the client's 10 s request
     * timeout, so the informer retried for ever and never synced; a page of 500 took 1.6 s.
     */
    static final long LIST_PAGE = 500;

    @Inject
    NodeReconciliation reconciliation;

    @Inject
    OperatorNamespace namespace;

    @Inject
    AgentHeartbeats heartbeats;

    @Inject
    PolicyCache policies;

    @Inject
    ReportCache reports;

    static final java.time.Duration CACHE_WAIT = java.time.Duration.ofSeconds(1);

    private AgentSilenceEventSource silence;

    @Override
    public List<EventSource<?, NodeBacklogReport>> prepareEventSources(EventSourceContext<NodeBacklogReport> context) {
        context.getPrimaryCache().addIndexer(PolicyIndex.NAME, PolicyIndex::policiesOf);
        var leases = InformerEventSourceConfiguration.from(Lease.class, NodeBacklogReport.class)
                .withName("agent-leases")
                .withNamespaces(namespace.agents())
                .withInformerListLimit(LIST_PAGE)
                // A renewal changes nothing by itself: only the cache. Silence and its end come from the sweep below.
                .withOnUpdateFilter((next, previous) -> false)
                .withSecondaryToPrimaryMapper(lease -> {
                    String name = lease.getMetadata().getName();
                    return name.startsWith(Vocabulary.AGENT_LEASE_PREFIX)
                            ? Set.of(new ResourceID(name.substring(Vocabulary.AGENT_LEASE_PREFIX.length())))
                            : Set.of();
                })
                .build();
        InformerEventSource<Lease, NodeBacklogReport> leaseSource = new InformerEventSource<>(leases, context);
        heartbeats.watching(() -> leaseSource.informerHealthIndicators().values().stream().allMatch(InformerHealthIndicator::isWatching));
        silence = new AgentSilenceEventSource(leaseSource, heartbeats);
        // The policies are the policy-status controller's cache (PolicyCache, not a second informer): a
        // spec change (created, edited, deleted) wakes the nodes whose report names the policy; a status patch wakes none.
        reports.use(context.getPrimaryCache());
        Nudge<NodeBacklogReport> nudge = new Nudge<>("policy-spec-changes");
        policies.onSpecChange(policy -> reports.byIndex(PolicyIndex.NAME,
                PolicyIndex.key(policy.getMetadata().getNamespace(), policy.getMetadata().getName()))
                .forEach(report -> nudge.wake(ResourceID.fromResource(report))));
        return List.of(leaseSource, silence, nudge, new PrimaryEvents<>("report-events", reports::changed));
    }

    @Override
    public UpdateControl<NodeBacklogReport> reconcile(NodeBacklogReport report, Context<NodeBacklogReport> context) {
        if (!policies.synced()) {
            // Judged against a partial list of policies, a saturated node would be said to have none.
            return UpdateControl.<NodeBacklogReport>noUpdate().rescheduleAfter(CACHE_WAIT);
        }
        Lease lease = context.getSecondaryResource(Lease.class, "agent-leases").orElse(null);
        NodeReconciliation.Result result = reconciliation.reconcile(report, lease, policies.valid());
        silence.actedOn(report.getMetadata().getName(), result.agentAlive());
        return result.lookAgainIn()
                .map(after -> UpdateControl.<NodeBacklogReport>noUpdate().rescheduleAfter(after))
                .orElseGet(UpdateControl::noUpdate);
    }
}
