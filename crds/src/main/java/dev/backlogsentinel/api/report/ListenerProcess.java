package dev.backlogsentinel.api.report;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** The process that holds a listening socket, as `ss -ltnp` shows it, so advice can name the server and its setting. */
public class ListenerProcess {

    @JsonPropertyDescription("PID (in the node's PID namespace) of a process holding the socket; the lowest when several do.")
    private Integer pid;
    @JsonPropertyDescription("The process's command name, /proc/<pid>/comm (at most 15 characters), e.g. nginx, java, node.")
    private String command;
    @JsonPropertyDescription("ID (64 hex digits) of the container the process runs in, from its cgroup; absent when not known.")
    private String containerId;
    @JsonPropertyDescription("Name of that container, from the pod's status; absent when not known.")
    private String container;
    @JsonPropertyDescription("The server recognised from the command and executable, whose backlog setting the advice names: "
            + "nginx, java, node, go, redis, haproxy, envoy, httpd, gunicorn, uvicorn or postgres; absent when not recognised.")
    private String server;
    @JsonPropertyDescription("How many processes hold the socket (e.g. an nginx master and its workers).")
    private Integer holders;

    public ListenerProcess() {
    }

    public ListenerProcess(Integer pid, String command, String containerId, String container, String server, Integer holders) {
        this.pid = pid;
        this.command = command;
        this.containerId = containerId;
        this.container = container;
        this.server = server;
        this.holders = holders;
    }

    public Integer getPid() {
        return pid;
    }

    public void setPid(Integer pid) {
        this.pid = pid;
    }

    public String getCommand() {
        return command;
    }

    public void setCommand(String command) {
        this.command = command;
    }

    public String getContainerId() {
        return containerId;
    }

    public void setContainerId(String containerId) {
        this.containerId = containerId;
    }

    public String getContainer() {
        return container;
    }

    public void setContainer(String container) {
        this.container = container;
    }

    public String getServer() {
        return server;
    }

    public void setServer(String server) {
        this.server = server;
    }

    public Integer getHolders() {
        return holders;
    }

    public void setHolders(Integer holders) {
        this.holders = holders;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ListenerProcess other && Objects.equals(pid, other.pid) && Objects.equals(command, other.command) && Objects.equals(containerId, other.containerId) && Objects.equals(container, other.container) && Objects.equals(server, other.server) && Objects.equals(holders, other.holders);
    }

    @Override
    public int hashCode() {
        return Objects.hash(pid, command, containerId, container, server, holders);
    }
}
