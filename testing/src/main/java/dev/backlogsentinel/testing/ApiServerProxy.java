package dev.backlogsentinel.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP forwarder in front of the real API server that a test can cut and restore: while cut,
 * connections are refused and every open one (watches included) is torn down mid-stream, as when
 * the API server is down or a node loses its network. The store behind it is untouched, so what
 * the cluster shows after the outage is the real server's. TLS passes through as bytes.
 */
public final class ApiServerProxy implements AutoCloseable {

    private final int targetPort;
    private final int port;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile ServerSocket listener;

    public ApiServerProxy(int targetPort) {
        this.targetPort = targetPort;
        try (ServerSocket probe = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            this.port = probe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        restore();
    }

    /** https://127.0.0.1:&lt;port&gt;: the server's certificate names 127.0.0.1, so TLS verifies as it would directly. */
    public String url() {
        return "https://127.0.0.1:" + port;
    }

    /** Refuses new connections and closes every open one. */
    public synchronized void cut() {
        ServerSocket l = listener;
        listener = null;
        closeQuietly(l);
        open.forEach(ApiServerProxy::closeQuietly);
        open.clear();
    }

    /** Accepts again, on the same port. */
    public synchronized void restore() {
        if (listener != null) {
            return;
        }
        try {
            ServerSocket l = new ServerSocket();
            l.setReuseAddress(true);
            l.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            listener = l;
            Thread.ofPlatform().daemon().name("api-proxy-accept").start(() -> accept(l));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void accept(ServerSocket l) {
        while (!l.isClosed()) {
            try {
                Socket client = l.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                if (!adopt(l, client, upstream)) {
                    return;
                }
                Thread.ofVirtual().start(() -> pump(client, upstream));
                Thread.ofVirtual().start(() -> pump(upstream, client));
            } catch (IOException e) {
                if (!l.isClosed()) {
                    continue;
                }
                return;
            }
        }
    }

    /**
     * Registers a connection accepted on {@code l}, unless a cut came between accept() and here:
     * such a connection would otherwise outlive the cut and let a request through the outage.
     */
    private synchronized boolean adopt(ServerSocket l, Socket client, Socket upstream) {
        if (listener != l) {
            closeQuietly(client);
            closeQuietly(upstream);
            return false;
        }
        open.add(client);
        open.add(upstream);
        return true;
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (SocketException e) {
            // Cut, or the peer closed: the other pump sees it too.
        } catch (IOException e) {
            // Same: a broken connection is what a cut is.
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            open.remove(from);
            open.remove(to);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // Closing what is already gone.
        }
    }

    @Override
    public void close() {
        cut();
    }
}
