package dev.backlogsentinel.agent;

import dev.backlogsentinel.agent.kernel.ProcInodes;
import dev.backlogsentinel.agent.kernel.Family;
import dev.backlogsentinel.agent.kernel.Libc;
import dev.backlogsentinel.agent.netns.NetnsDiscovery;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real network namespace for a test (root only): made with `ip netns add`, loopback up, one
 * sleeping process inside so discovery finds it, and listeners opened from a thread that entered it.
 */
public final class NetnsFixture implements AutoCloseable {

    private final String name;
    private final Process holder;
    private final List<Closeable> sockets = new ArrayList<>();

    private NetnsFixture(String name, Process holder) {
        this.name = name;
        this.holder = holder;
    }

    public static NetnsFixture create() throws Exception {
        String name = "bs-test-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        run("ip", "netns", "add", name);
        try {
            run("ip", "-n", name, "link", "set", "lo", "up");
            Process holder = new ProcessBuilder("ip", "netns", "exec", name, "sleep", "infinity")
                    .redirectErrorStream(true).start();
            NetnsFixture fixture = new NetnsFixture(name, holder);
            long want = ProcInodes.of(Path.of("/run/netns", name));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            // ip netns exec enters the namespace, then execs sleep under the same pid.
            while (!fixture.holderInside(want)) {
                if (System.nanoTime() > deadline || !holder.isAlive()) {
                    fixture.close();
                    throw new IllegalStateException("holder process never entered " + name);
                }
                Thread.sleep(10);
            }
            return fixture;
        } catch (Exception e) {
            run("ip", "netns", "del", name);
            throw e;
        }
    }

    private boolean holderInside(long nsInode) {
        try {
            return ProcInodes.of(Path.of("/proc", Long.toString(holder.pid()), "ns/net")) == nsInode
                    && new String(java.nio.file.Files.readAllBytes(Path.of("/proc", Long.toString(holder.pid()), "comm")),
                    StandardCharsets.US_ASCII).strip().equals("sleep");
        } catch (IOException e) {
            return false;
        }
    }

    public String name() {
        return name;
    }

    public long holderPid() {
        return holder.pid();
    }

    /** The ns/net inode, as the agent reports it in "netns". */
    public long nsInode() throws IOException {
        return ProcInodes.of(Path.of("/run/netns", name));
    }

    /** The agent's key for this namespace. */
    public long key() throws IOException {
        return ProcInodes.of(Path.of("/proc", Long.toString(holder.pid()), "net/tcp"));
    }

    public void sysctl(String key, String value) throws Exception {
        run("ip", "netns", "exec", name, "sysctl", "-qw", key + "=" + value);
    }

    /** Runs a command inside the namespace and returns its output. */
    public String exec(String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name));
        cmd.addAll(List.of(command));
        return run(cmd.toArray(String[]::new));
    }

    /**
     * The namespace the first check describes: listen(16) on 127.0.0.1:8080 and [::1]:8443,
     * never accepting, each filled by 30 connects (17 queued, the rest dropped and retried).
     */
    public static NetnsFixture withFullQueues() throws Exception {
        NetnsFixture netns = create();
        try {
            netns.fill(Family.IPv4, 8080, 16, 30);
            netns.fill(Family.IPv6, 8443, 16, 30);
            return netns;
        } catch (Exception e) {
            netns.close();
            throw e;
        }
    }

    /**
     * Opens a listener with the given backlog that never accepts, and starts {@code connects}
     * non-blocking connects to it from inside the namespace.
     */
    public ServerSocketChannel fill(Family family, int port, int backlog, int connects) throws Exception {
        StandardProtocolFamily pf = family == Family.IPv4 ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
        InetAddress loopback = InetAddress.getByName(family == Family.IPv4 ? "127.0.0.1" : "::1");
        return inside(() -> {
            ServerSocketChannel server = ServerSocketChannel.open(pf);
            server.bind(new InetSocketAddress(loopback, port), backlog);
            sockets.add(server);
            for (int i = 0; i < connects; i++) {
                SocketChannel c = SocketChannel.open(pf);
                c.configureBlocking(false);
                c.connect(new InetSocketAddress(loopback, port));
                sockets.add(c);
            }
            return server;
        });
    }

    /** Runs code on a fresh platform thread that entered this namespace; sockets it opens live here. */
    public <T> T inside(Callable<T> action) throws Exception {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            int fd = -1;
            try {
                fd = Libc.open("/run/netns/" + name, Libc.O_RDONLY | Libc.O_CLOEXEC);
                Libc.setns(fd, Libc.CLONE_NEWNET, name);
                result.set(action.call());
            } catch (Exception e) {
                failure.set(e);
            } finally {
                Libc.close(fd);
            }
        });
        t.join();
        if (failure.get() != null) {
            throw failure.get();
        }
        return result.get();
    }

    /** Closes the connecting sides only: the listener and what it queued stay, and no more SYNs are sent. */
    public void closeClients() {
        for (Closeable c : List.copyOf(sockets)) {
            if (c instanceof SocketChannel) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // Already closed.
                }
                sockets.remove(c);
            }
        }
    }

    /** ListenOverflows of this namespace, as the kernel counts it now. */
    public long listenOverflows() throws IOException {
        List<String> lines = java.nio.file.Files.readAllLines(Path.of("/proc", Long.toString(holder.pid()), "net/netstat"));
        for (int i = 0; i + 1 < lines.size(); i += 2) {
            if (lines.get(i).startsWith("TcpExt:")) {
                List<String> names = List.of(lines.get(i).split("\\s+"));
                return Long.parseLong(lines.get(i + 1).split("\\s+")[names.indexOf("ListenOverflows")]);
            }
        }
        throw new IllegalStateException("no TcpExt in netstat");
    }

    public void closeSockets() {
        for (Closeable c : sockets) {
            try {
                c.close();
            } catch (IOException ignored) {
                // The namespace is deleted next.
            }
        }
        sockets.clear();
    }

    @Override
    public void close() throws Exception {
        closeSockets();
        holder.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        run("ip", "netns", "del", name);
    }

    public static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }
}
