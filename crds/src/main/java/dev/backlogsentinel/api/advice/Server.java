package dev.backlogsentinel.api.advice;

import java.util.Locale;
import java.util.Set;

/**
 * The servers whose listen backlog setting is known, so advice can name it instead of "the
 * application's listen() backlog". The agent recognises one from the process holding a socket
 * ({@link #recognise}); the report carries its {@link #id()}; the operator turns it back ({@link #byId}).
 */
public enum Server {

    NGINX("nginx"),
    /** Any JVM: Tomcat, Jetty, Netty, Vert.x/Quarkus or a plain ServerSocket; the advice names each. */
    JAVA("java"),
    NODE("node"),
    /** A Go binary: the net package listens with the somaxconn it read at its first listen. */
    GO("go"),
    REDIS("redis"),
    HAPROXY("haproxy"),
    ENVOY("envoy"),
    /** Apache httpd (apache2 on Debian and Ubuntu). */
    HTTPD("httpd"),
    GUNICORN("gunicorn"),
    UVICORN("uvicorn"),
    POSTGRES("postgres");

    private final String id;

    Server(String id) {
        this.id = id;
    }

    /** The id the report carries (ListenerProcess.server). */
    public String id() {
        return id;
    }

    /** The server with this id; null for null or an id this version does not know (a newer agent's). */
    public static Server byId(String id) {
        if (id == null) {
            return null;
        }
        for (Server s : values()) {
            if (s.id.equals(id)) {
                return s;
            }
        }
        return null;
    }

    private static final Set<String> JAVA_NAMES = Set.of("java");
    private static final Set<String> NODE_NAMES = Set.of("node", "nodejs");
    private static final Set<String> HTTPD_NAMES = Set.of("httpd", "apache2");

    /**
     * Which server holds a socket, from what the agent can read about the process.
     *
     * @param command        /proc/&lt;pid&gt;/comm (at most 15 characters; a script run through its
     *                       shebang shows the script's name, e.g. gunicorn); may be null
     * @param executableName the basename of /proc/&lt;pid&gt;/exe, e.g. java, node, python3.12; may be null
     * @param goBinary       the executable is a Go binary (its ELF has a .go.buildinfo section)
     * @return the server, or null when not recognised
     */
    public static Server recognise(String command, String executableName, boolean goBinary) {
        // What the binary is outranks what it is called: any Go program listens through the net package.
        if (goBinary) {
            return GO;
        }
        String comm = normalise(command);
        String exe = normalise(executableName);
        if (exe.equals("busybox")) {
            return null; // busybox httpd and friends have a fixed backlog of their own
        }
        if (comm.equals("nginx") || exe.equals("nginx") || exe.equals("nginx-debug")) {
            return NGINX;
        }
        if (comm.startsWith("redis-server") || comm.startsWith("redis-sentinel") || exe.equals("redis-server")
                || exe.equals("redis-sentinel")) {
            return REDIS;
        }
        if (comm.equals("haproxy") || exe.equals("haproxy")) {
            return HAPROXY;
        }
        if (comm.equals("envoy") || exe.equals("envoy")) {
            return ENVOY;
        }
        if (HTTPD_NAMES.contains(comm) || HTTPD_NAMES.contains(exe)) {
            return HTTPD;
        }
        if (comm.equals("postgres") || comm.equals("postmaster") || exe.equals("postgres") || exe.equals("postmaster")) {
            return POSTGRES;
        }
        // gunicorn and uvicorn run on a Python interpreter; their own name is the command
        // (the shebang script's name, or a setproctitle title such as "gunicorn: maste").
        if (comm.startsWith("gunicorn")) {
            return GUNICORN;
        }
        if (comm.startsWith("uvicorn")) {
            return UVICORN;
        }
        if (JAVA_NAMES.contains(comm) || JAVA_NAMES.contains(exe)) {
            return JAVA;
        }
        // Node.js may rename itself (process.title, e.g. "npm start"): the executable still says node.
        if (NODE_NAMES.contains(comm) || NODE_NAMES.contains(exe)) {
            return NODE;
        }
        return null;
    }

    private static String normalise(String name) {
        return name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
    }
}
