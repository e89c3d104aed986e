package dev.backlogsentinel.agent.cluster;

import dev.backlogsentinel.agent.config.AgentConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;

/**
 * Puts {@link ScrapeAccess} in front of /q/metrics when backlog.agent.metrics-auth is on and the
 * agent runs in cluster mode. Health (/q/health, the kubelet's probes) stays open: it says nothing
 * of the node.
 */
@ApplicationScoped
public class MetricsGuard {

    static final String PATH = "/q/metrics";
    private static final Logger LOG = Logger.getLogger(MetricsGuard.class);

    private final AgentConfig config;
    private final ClusterMode mode;
    private final Instance<KubernetesClient> client;
    private final Clock clock;
    private volatile ScrapeAccess access;

    @Inject
    public MetricsGuard(AgentConfig config, ClusterMode mode, Instance<KubernetesClient> client, Clock clock) {
        this.config = config;
        this.mode = mode;
        this.client = client;
        this.clock = clock;
    }

    void routes(@Observes Router router) {
        if (!config.metricsAuth()) {
            return;
        }
        if (!mode.selected()) {
            LOG.warnf("backlog.agent.metrics-auth needs cluster mode (an API server to ask): %s is served to anyone", PATH);
            return;
        }
        // Ahead of the metrics handler itself; blocking, as the reviews are API requests.
        router.route(PATH).order(Integer.MIN_VALUE).blockingHandler(this::guard, false);
        LOG.infof("%s is served only to a token allowed to get the non-resource URL %s", PATH, ScrapeAccess.METRICS_URL);
    }

    private void guard(RoutingContext ctx) {
        ScrapeAccess.Answer answer = access().check(ctx.request().getHeader("Authorization"));
        if (answer.allowed()) {
            ctx.next();
            return;
        }
        ctx.response().setStatusCode(answer.status()).putHeader("Content-Type", "text/plain; charset=utf-8")
                .end(answer.message() + "\n");
    }

    private ScrapeAccess access() {
        ScrapeAccess a = access;
        if (a == null) {
            synchronized (this) {
                if (access == null) {
                    access = new ScrapeAccess(client.get(), clock);
                }
                a = access;
            }
        }
        return a;
    }
}
