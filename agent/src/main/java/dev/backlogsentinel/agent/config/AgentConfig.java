package dev.backlogsentinel.agent.config;

import dev.backlogsentinel.agent.scan.ReaderChoice;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

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
}
