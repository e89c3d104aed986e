package dev.backlogsentinel.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A Node.js server in a network namespace of its own (root only) that listens with a given backlog
 * and then never accepts (its event loop blocked), its queue filled by clients from inside the
 * namespace: the real process a pod's Node.js application would be, so that what the agent and the
 * operator say about a recognised server can be checked end to end.
 */
public final class NetnsNodeServer implements AutoCloseable {

    private static final String SERVER = """
            const net = require('net');
            const [port, backlog] = process.argv.slice(1).map(Number);
            const server = net.createServer();
            server.listen({port, host: '0.0.0.0', backlog}, () => {
              process.stdout.write('ready\\n', () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0));
            });
            """;

    private static final String CLIENTS = """
            import socket, sys, time
            port, connects = int(sys.argv[1]), int(sys.argv[2])
            held = []
            for _ in range(connects):
                c = socket.socket(); c.setblocking(False); c.connect_ex(("127.0.0.1", port)); held.append(c)
            print("connected", flush=True)
            time.sleep(100000)
            """;

    private final String netns;
    private final Process server;
    private final Process clients;

    private NetnsNodeServer(String netns, Process server, Process clients) {
        this.netns = netns;
        this.server = server;
        this.clients = clients;
    }

    /** Node.js on PATH (Debian's nodejs); tests check for it first. */
    public static boolean available() {
        try {
            return new ProcessBuilder("node", "--version").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public static NetnsNodeServer start(int port, int backlog, int connects) {
        return start(port, backlog, connects, command -> command);
    }

    /**
     * The same, each of its processes started through {@code wrap} (e.g. {@link PodCgroup#command}:
     * inside a pod's cgroup from its start).
     */
    public static NetnsNodeServer start(int port, int backlog, int connects, java.util.function.UnaryOperator<List<String>> wrap) {
        String netns = "bs-node-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        NetnsApp.run("ip", "netns", "add", netns);
        Process server = null;
        try {
            NetnsApp.run("ip", "-n", netns, "link", "set", "lo", "up");
            server = new ProcessBuilder(wrap.apply(List.of("ip", "netns", "exec", netns, "node", "-e", SERVER, Integer.toString(port),
                    Integer.toString(backlog)))).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            expect(server, "ready");
            Process clients = new ProcessBuilder(wrap.apply(List.of("ip", "netns", "exec", netns, "python3", "-u", "-c", CLIENTS,
                    Integer.toString(port), Integer.toString(connects)))).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            expect(clients, "connected");
            return new NetnsNodeServer(netns, server, clients);
        } catch (IOException | RuntimeException e) {
            if (server != null) {
                server.destroyForcibly();
            }
            NetnsApp.run("ip", "netns", "del", netns);
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    private static void expect(Process p, String line) throws IOException {
        String got = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        if (!line.equals(got)) {
            throw new IllegalStateException("expected " + line + ", got " + got);
        }
    }

    /** The server's pid (`ip netns exec` execs it in place). */
    public long pid() {
        return server.pid();
    }

    public String netns() {
        return netns;
    }

    /** Kills the server: its listener is gone. */
    public void kill() {
        server.destroyForcibly();
        try {
            server.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        kill();
        clients.destroyForcibly();
        try {
            clients.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        NetnsApp.run("ip", "netns", "del", netns);
    }
}
