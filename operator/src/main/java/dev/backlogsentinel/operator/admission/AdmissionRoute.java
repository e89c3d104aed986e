package dev.backlogsentinel.operator.admission;

import dev.backlogsentinel.operator.config.OperatorConfig;
import dev.backlogsentinel.operator.config.OperatorNamespace;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponseBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * The validating admission webhook of the agents' writes (POST /admission/agent-writes, over TLS
 * only: the API server calls it through the chart's ValidatingWebhookConfiguration). Every replica
 * serves it, leader or not, so it answers while any replica runs.
 */
@ApplicationScoped
public class AdmissionRoute {

    public static final String PATH = "/admission/agent-writes";
    private static final Logger LOG = Logger.getLogger(AdmissionRoute.class);
    /** An AdmissionReview of a NodeBacklogReport is a few tens of KB; the API server sends at most 3 MB objects. */
    private static final long BODY_LIMIT = 4L << 20;

    private final AgentWrites writes;
    private final MeterRegistry registry;

    @Inject
    public AdmissionRoute(OperatorConfig config, OperatorNamespace namespace, AgentPods pods, MeterRegistry registry) {
        this.writes = new AgentWrites("system:serviceaccount:" + namespace.agents() + ":" + config.agentServiceAccount(),
                namespace.agents(), pods);
        this.registry = registry;
        for (String resource : new String[] {AgentWrites.REPORTS, AgentWrites.LEASES}) {
            for (String allowed : new String[] {"true", "false"}) {
                counter(resource, allowed);
            }
        }
    }

    void routes(@Observes Router router) {
        router.post(PATH).handler(BodyHandler.create().setBodyLimit(BODY_LIMIT)).blockingHandler(this::review, false);
    }

    private void review(RoutingContext ctx) {
        if (!ctx.request().isSSL()) {
            ctx.response().setStatusCode(404).end();
            return;
        }
        AdmissionReview in;
        try {
            in = Serialization.unmarshal(ctx.body().asString(), AdmissionReview.class);
        } catch (RuntimeException e) {
            ctx.response().setStatusCode(400).end("not an AdmissionReview: " + e.getMessage());
            return;
        }
        AdmissionRequest request = in == null ? null : in.getRequest();
        if (request == null || request.getUid() == null) {
            ctx.response().setStatusCode(400).end("an AdmissionReview without a request");
            return;
        }
        AgentWrites.Verdict verdict = writes.judge(request);
        String resource = request.getResource() == null ? "" : request.getResource().getResource();
        counter(resource, Boolean.toString(verdict.allowed())).increment();
        if (!verdict.allowed()) {
            LOG.warnf("refused %s %s of %s: %s", request.getOperation(), resource, request.getUserInfo().getUsername(), verdict.message());
        }
        var response = new AdmissionResponseBuilder().withUid(request.getUid()).withAllowed(verdict.allowed());
        if (!verdict.allowed()) {
            response.withStatus(new StatusBuilder().withCode(403).withReason("Forbidden").withMessage(verdict.message()).build());
        }
        AdmissionReview out = new AdmissionReviewBuilder().withApiVersion("admission.k8s.io/v1").withKind("AdmissionReview")
                .withResponse(response.build()).build();
        ctx.response().putHeader("Content-Type", "application/json").end(Serialization.asJson(out));
    }

    private Counter counter(String resource, String allowed) {
        return Counter.builder("backlog.operator.admission.reviews").tag("resource", resource).tag("allowed", allowed)
                .description("Admission reviews of the agents' writes, by resource and answer").register(registry);
    }
}
