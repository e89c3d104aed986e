package dev.backlogsentinel.operator.events;

import dev.backlogsentinel.api.advice.Server;

/**
 * What to change on a recognised server to raise its listen backlog, in the server's own terms
 * and with its default. One sentence each: the events that quote them are cut at 1 KiB.
 */
final class ServerAdvice {

    private ServerAdvice() {
    }

    /** The server as users call it. */
    static String name(Server server) {
        return switch (server) {
            case NGINX -> "nginx";
            case JAVA -> "the Java server";
            case NODE -> "Node.js";
            case GO -> "Go's net package";
            case REDIS -> "Redis";
            case HAPROXY -> "HAProxy";
            case ENVOY -> "Envoy";
            case HTTPD -> "Apache httpd";
            case GUNICORN -> "gunicorn";
            case UVICORN -> "uvicorn";
            case POSTGRES -> "PostgreSQL";
        };
    }

    /** What to change when the server's own backlog is the limit (limitedBy: backlog). */
    static String raiseBacklog(Server server, Integer port) {
        String onPort = " " + (port == null ? "<port>" : port);
        return switch (server) {
            case NGINX -> "add backlog=N to nginx's listen directive for this port, e.g. listen" + onPort
                    + " backlog=4096 (default 511 on Linux).";
            case JAVA -> "raise it with server.tomcat.accept-count (Tomcat acceptCount, default 100), "
                    + "quarkus.http.accept-backlog, Jetty acceptQueueSize, Netty ChannelOption.SO_BACKLOG or "
                    + "new ServerSocket(port, backlog) (default 50), whichever the server uses.";
            case NODE -> "pass a larger backlog to server.listen(port, host, backlog) or listen({port, backlog}) "
                    + "(Node.js defaults to 511).";
            case GO -> "Go passed net.core.somaxconn as it was at the process's first listen, and net.Listen takes no "
                    + "backlog, so restart the process to take the current value, or call syscall.Listen again on the "
                    + "listener's fd (TCPListener.SyscallConn) with a larger backlog.";
            case REDIS -> "raise tcp-backlog in redis.conf (default 511).";
            case HAPROXY -> "raise backlog on the bind line or in the frontend (by default HAProxy passes the frontend's maxconn).";
            case ENVOY -> "set tcp_backlog_size on the Envoy listener (unset, Envoy passes net.core.somaxconn as it was when "
                    + "it listened).";
            case HTTPD -> "raise ListenBacklog in the Apache configuration (default 511).";
            case GUNICORN -> "raise gunicorn's --backlog (backlog in its config file; default 2048).";
            case UVICORN -> "raise uvicorn's --backlog (default 2048).";
            case POSTGRES -> "raise max_connections (default 100; it takes a restart), as PostgreSQL listens with a "
                    + "backlog of twice max_connections.";
        };
    }

    /**
     * The server's own backlog setting, to raise along with net.core.somaxconn (limitedBy: somaxconn):
     * a higher somaxconn alone stops at the server's backlog. Null when the server follows somaxconn.
     */
    static String alongside(Server server) {
        return switch (server) {
            case NGINX -> "nginx's listen backlog= (default 511)";
            case JAVA -> "the server's backlog (Tomcat accept-count, quarkus.http.accept-backlog, Jetty "
                    + "acceptQueueSize, Netty SO_BACKLOG)";
            case NODE -> "the backlog passed to server.listen() (default 511)";
            case GO -> null;
            case REDIS -> "tcp-backlog in redis.conf (default 511)";
            case HAPROXY -> "HAProxy's backlog (by default the frontend's maxconn)";
            case ENVOY -> "Envoy's tcp_backlog_size (if the listener sets one)";
            case HTTPD -> "ListenBacklog (default 511)";
            case GUNICORN -> "gunicorn's --backlog (default 2048)";
            case UVICORN -> "uvicorn's --backlog (default 2048)";
            case POSTGRES -> "max_connections (the backlog is twice it)";
        };
    }

    /** How a new somaxconn reaches the socket. */
    static String restart(Server server) {
        if (server == Server.GO) {
            return "Go reads net.core.somaxconn once, at its first listen: restart the process for a new limit to apply.";
        }
        return "Restart the application: a new limit applies at its next listen().";
    }
}
