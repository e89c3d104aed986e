package dev.backlogsentinel.agent.cluster;

import dev.backlogsentinel.agent.metrics.ScanMetrics;
import dev.backlogsentinel.agent.policy.Evaluation;
import dev.backlogsentinel.agent.attribution.PodInfo;
import dev.backlogsentinel.agent.policy.PolicyEvaluator;
import dev.backlogsentinel.agent.scan.PodLookup;
import dev.backlogsentinel.agent.scan.ListenerFinding;
import dev.backlogsentinel.agent.scan.NetnsScan;
import dev.backlogsentinel.agent.scan.NodeScan;
import dev.backlogsentinel.agent.scan.NodeScanner;
import dev.backlogsentinel.api.policy.BacklogPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The agent in a cluster: scans on its own thread, judges each scan against the policies, and
 * hands the latest report to a writer thread; a third thread renews the Lease. Nothing here waits
 * for the API server: informers fill in when it answers, writes and renewals retry, scans go on.
 *
 * <p>Nothing is judged or reported until the pods, the policies and the node's own report have
 * come back from the API server: judged earlier, a saturated pod's listener would be reported
 * unmatched (a recovery that never happened). The first judgement then takes up the states the
 * report holds, so an agent that restarts (a rollout, an eviction, an OOM kill) carries each
 * saturation on with its since, and announces nothing.
 */
public final class ClusterAgent implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ClusterAgent.class);

    /**
     * What a running agent needs; the intervals come from backlog.agent.*.
     *
     * @param podFieldSelector list and watch only this node's pods server-side (see PodIndex)
     */
    public record Settings(String node, String namespace, String holder, String version, Duration scanInterval,
            Duration reportMinInterval, Duration leaseRenewInterval, boolean podFieldSelector) {
    }

    private final Settings settings;
    private final NodeScanner scanner;
    private final ScanMetrics metrics;
    private final Clock clock;
    private final PodIndex pods;
    private final SharedIndexInformer<BacklogPolicy> policies;
    private final PolicyEvaluator evaluator = new PolicyEvaluator();
    private final ReportWriter writer;
    private final OwnReport ownReport;
    private final AgentLease lease;
    private volatile boolean judging;
    private volatile Instant lastScan;
    private Heartbeat heartbeat;
    private String withheld;
    private final AtomicReference<ReportBuilder.Built> latest = new AtomicReference<>();
    private final ScheduledExecutorService threads = Executors.newScheduledThreadPool(3,
            r -> Thread.ofPlatform().name("backlog-cluster-agent").daemon(true).unstarted(r));

    public ClusterAgent(KubernetesClient client, NodeScanner scanner, ScanMetrics metrics, Clock clock, Settings settings) {
        this.settings = settings;
        this.scanner = scanner;
        this.metrics = metrics;
        this.clock = clock;
        this.pods = new PodIndex(client, settings.node(), settings.podFieldSelector());
        this.policies = client.resources(BacklogPolicy.class).inAnyNamespace().runnableInformer(0);
        this.policies.exceptionHandler(RetryForever.HANDLER);
        this.policies.start();
        this.writer = new ReportWriter(client, settings.node(), settings.reportMinInterval(), metrics::reportWritten);
        this.ownReport = new OwnReport(client, settings.node(), this::reportDeleted);
        this.lease = new AgentLease(client, settings.namespace(), settings.node(), settings.holder(), settings.leaseRenewInterval(), clock);
    }

    public ClusterAgent start() {
        LOG.infof("cluster mode: node %s, Lease %s/%s, scans every %s", settings.node(), settings.namespace(), lease.name(),
                settings.scanInterval());
        threads.scheduleWithFixedDelay(this::guardedScan, 0, settings.scanInterval().toMillis(), TimeUnit.MILLISECONDS);
        heartbeat = new Heartbeat(clock.instant(), Heartbeat.stallFor(settings.scanInterval(), settings.leaseRenewInterval()));
        threads.scheduleWithFixedDelay(this::renewIfWorking, 0, settings.leaseRenewInterval().toMillis(), TimeUnit.MILLISECONDS);
        threads.scheduleWithFixedDelay(this::writeLatest, 200, 500, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Renews the Lease while scans complete and reports get written; says once when it stops, and when it starts again. */
    private void renewIfWorking() {
        String why = heartbeat.withheldBecause(clock.instant(), lastScan, judging, writer.failingSince());
        if (why != null) {
            if (withheld == null) {
                LOG.warnf("not renewing Lease %s/%s: %s (the operator will mark node %s Unknown)", settings.namespace(), lease.name(),
                        why, settings.node());
            }
            withheld = why;
            metrics.leaseWithheld();
            return;
        }
        if (withheld != null) {
            LOG.infof("renewing Lease %s/%s again: scans complete and reports are written", settings.namespace(), lease.name());
            withheld = null;
        }
        metrics.leaseRenewed(lease.renew());
    }

    private void guardedScan() {
        try {
            scanOnce();
            // Offered at once rather than at the writer's next tick (up to 500 ms later): the first
            // report, and a change's, go out as soon as the scan has judged them. The writer's own
            // limits (report-min-interval, backoff after a failure) still decide whether it writes.
            threads.execute(this::writeLatest);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Closing: the scan was the last one, and close() does not want it written.
        } catch (RuntimeException e) {
            // A scheduled task that throws is never run again: a bad scan must not end the agent.
            LOG.errorf(e, "scan failed; the next one runs as scheduled");
        }
    }

    /**
     * One scan, judged; the report it makes waits for the writer thread.
     *
     * @return null while the informers have not synced: the scan is in the metrics, not judged
     */
    public ReportBuilder.Built scanOnce() {
        NodeScan scan = scanner.scan();
        lastScan = clock.instant();
        List<PodInfo> onNode = pods.all();
        Map<String, PodInfo> byUid = new HashMap<>();
        onNode.forEach(p -> byUid.put(p.uid(), p));
        PodLookup podOf = ns -> podResolver(ns, byUid);
        if (!judging) {
            if (!pods.synced() || !policies.hasSynced() || !ownReport.synced()) {
                metrics.record(scan, podOf);
                return null;
            }
            var states = ownReport.states();
            evaluator.resume(states);
            judging = true;
            LOG.infof("pods, policies and report synced: judging from now on%s",
                    states.isEmpty() ? "" : ", " + states.size() + " listener states taken up from the report");
        }
        Evaluation evaluation = evaluator.evaluate(scan, onNode, podOf, policies.getStore().list());
        ReportBuilder.Built built = ReportBuilder.build(scan, evaluation, settings.version());
        // The report first: the writer may send it while the metrics are brought up to date (the
        // first time, that registers a series per listener and namespace).
        latest.set(built);
        metrics.record(scan, podOf);
        return built;
    }

    /** @param byUid this node's pods, looked up once per scan */
    private Function<ListenerFinding, PodInfo> podResolver(NetnsScan ns, Map<String, PodInfo> byUid) {
        return switch (ns.attribution().kind()) {
            case POD -> {
                PodInfo pod = byUid.get(ns.attribution().podUid());
                yield listener -> pod;
            }
            // The node's namespace: a listener belongs to the hostNetwork pod whose process holds its socket, else to the node.
            case HOST -> listener -> {
                String uid = HostListeners.podOf(listener, scanner::podOfProcess);
                return uid == null ? null : byUid.get(uid);
            };
            default -> listener -> null;
        };
    }

    /** The report was deleted: write it again at once, on the writer thread, whether or not anything changed. */
    private synchronized void reportDeleted() {
        writer.reportGone();
        try {
            threads.execute(this::writeLatest);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Closing.
        }
    }

    /** Synchronized: the writer's tick and a scan's hand-off may come at once, and one offer at a time is what the writer expects. */
    private synchronized void writeLatest() {
        ReportBuilder.Built built = latest.get();
        if (built == null) {
            return;
        }
        try {
            writer.offer(built, clock.instant());
        } catch (RuntimeException e) {
            LOG.errorf(e, "report write failed; the next attempt runs as scheduled");
        }
    }

    /** Stops and waits: a scan in flight finishes first, so nothing is recorded or written after close. */
    @Override
    public void close() {
        threads.shutdownNow();
        try {
            if (!threads.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("cluster agent threads did not stop within 30s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pods.close();
        policies.close();
        ownReport.close();
        scanner.close();
    }
}
