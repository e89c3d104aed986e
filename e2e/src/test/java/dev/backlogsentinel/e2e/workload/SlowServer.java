package dev.backlogsentinel.e2e.workload;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The workload of the real-node test, in an image of its own: a server that listens with a small
 * backlog and accepts nothing until told to, as an application too slow for its load would. It
 * needs nothing but java.base, so it runs on the test images' base.
 * <ul>
 * <li>{@code serve PORT BACKLOG}: listen(BACKLOG) on 0.0.0.0:PORT; a control port on
 * 127.0.0.1:PORT+1000 takes {@code drain} (accept and close everything, from now on) and
 * {@code hold} (accept nothing again).</li>
 * <li>{@code flood PORT N}: N connection attempts to 127.0.0.1:PORT from the pod's own network
 * namespace, held for two seconds (long enough for SYN retransmits), then exit.</li>
 * <li>{@code tell PORT COMMAND}: send a command to the server's control port.</li>
 * <li>{@code spin THREADS}: keep THREADS threads busy for ever: the CPU hog of the contention
 * benchmark, an ordinary process of an ordinary pod.</li>
 * </ul>
 * Run through {@code kubectl exec}, so the connections come from inside the pod, as its clients'
 * would through a Service.
 */
public final class SlowServer {

    private static volatile boolean draining;

    private SlowServer() {
    }

    public static void main(String[] args) throws Exception {
        switch (args.length == 0 ? "" : args[0]) {
            case "serve" -> serve(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
            case "flood" -> flood(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
            case "tell" -> System.out.println(tell(Integer.parseInt(args[1]), args[2]));
            case "spin" -> spin(Integer.parseInt(args[1]));
            default -> {
                System.err.println("usage: serve PORT BACKLOG | flood PORT N | tell PORT drain|hold | spin THREADS");
                System.exit(2);
            }
        }
    }

    /** Busy threads that never yield; a volatile sink keeps the JIT from dropping the work. */
    private static void spin(int threads) throws InterruptedException {
        System.out.printf("spinning %d threads%n", threads);
        for (int i = 0; i < threads; i++) {
            Thread.ofPlatform().name("spin-" + i).start(() -> {
                long x = 0;
                while (true) {
                    x += System.nanoTime() % 7;
                    sink = x;
                }
            });
        }
        Thread.currentThread().join();
    }

    private static volatile long sink;

    private static void serve(int port, int backlog) throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        // ServerSocket passes its backlog to listen(2) as it is.
        server.bind(new InetSocketAddress(port), backlog);
        server.setSoTimeout(200);
        Thread.ofPlatform().daemon().name("drain").start(() -> drain(server));
        try (ServerSocket control = new ServerSocket()) {
            control.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port + 1000), 4);
            System.out.printf("listening on port %d with backlog %d%n", port, backlog);
            while (true) {
                try (Socket c = control.accept()) {
                    String command = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8)).readLine();
                    String answer = switch (command == null ? "" : command.strip()) {
                        case "drain" -> {
                            draining = true;
                            yield "draining";
                        }
                        case "hold" -> {
                            draining = false;
                            yield "holding";
                        }
                        default -> "unknown command: " + command;
                    };
                    System.out.println(answer);
                    OutputStream out = c.getOutputStream();
                    out.write((answer + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            }
        }
    }

    private static void drain(ServerSocket server) {
        while (true) {
            if (!draining) {
                sleep(50);
                continue;
            }
            try {
                server.accept().close();
            } catch (SocketTimeoutException e) {
                // Nothing queued: look at the flag again.
            } catch (IOException e) {
                System.err.println("accept: " + e);
                sleep(50);
            }
        }
    }

    private static void flood(int port, int attempts) throws IOException {
        List<SocketChannel> held = new ArrayList<>();
        for (int i = 0; i < attempts; i++) {
            SocketChannel c = SocketChannel.open();
            c.configureBlocking(false);
            c.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            held.add(c);
        }
        sleep(2000);
        int connected = 0;
        for (SocketChannel c : held) {
            try {
                if (c.finishConnect()) {
                    connected++;
                }
            } catch (IOException e) {
                // Still waiting for an answer to its SYN: the queue is full.
            }
        }
        System.out.printf("%d of %d connections completed%n", connected, attempts);
        for (SocketChannel c : held) {
            c.close();
        }
    }

    private static String tell(int port, String command) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port + 1000)) {
            s.getOutputStream().write((command + "\n").getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
