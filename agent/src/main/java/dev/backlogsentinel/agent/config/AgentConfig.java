package dev.backlogsentinel.agent.config;

import dev.backlogsentinel.agent.kernel.ReaderChoice;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** The agent's settings, under backlog.agent.* (env: BACKLOG_AGENT_*). */
@ConfigMapping(prefix = "backlog.agent")
public interface AgentConfig {

    /** procfs root: the host's /proc (hostPID), or a laid-out tree in tests. */
    @WithDefault("/proc")
    String procRoot();

    /** auto, netlink or procfs. */
    @WithDefault("auto")
    ReaderChoice reader();

    /** Time between two scans of the machine. */
    @WithDefault("2s")
    Duration scanInterval();

    /** A procfs file is read up to this many bytes; past it the scan counts an "oversized" error. */
    @WithDefault("67108864")
    long maxProcFileBytes();

    /** A listener at this share of its limit makes its namespace's SYN_RECV sockets be counted. */
    @WithDefault("50")
    int synRecvNearPercent();

    /**
     * auto: cluster mode inside a pod (service account and KUBERNETES_SERVICE_HOST), local mode
     * otherwise; cluster: against the API server of the in-cluster config or KUBECONFIG; local.
     */
    @WithDefault("auto")
    Mode mode();

    /** The node this agent watches (env NODE_NAME); required in cluster mode. */
    Optional<String> nodeName();

    /** Namespace of the agent's Lease; else POD_NAMESPACE, the service account's, or backlog-sentinel. */
    Optional<String> namespace();

    /** The NodeBacklogReport is written at most this often, whatever changed (a quiet node's first change at once). */
    @WithDefault("5s")
    Duration reportMinInterval();

    /** How often the agent renews its Lease, the heartbeat the operator watches. */
    @WithDefault("30s")
    Duration leaseRenewInterval();

    /**
     * In cluster mode, serve /q/metrics only to a bearer token whose user may get the non-resource URL
     * /metrics (TokenReview and SubjectAccessReview, as kube-rbac-proxy does). The chart turns it on.
     */
    @WithDefault("false")
    boolean metricsAuth();

    /** backlog.agent.mode. */
    enum Mode {
        AUTO,
        LOCAL,
        CLUSTER
    }
}
