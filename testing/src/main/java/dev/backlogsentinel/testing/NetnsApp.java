package dev.backlogsentinel.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A slow server in a network namespace of its own (root only), as a pod's application would be: a
 * Python process that listens with a small backlog and accepts nothing until told to, plus as many
 * connects from inside the namespace as a test asks for. Told "drain" it accepts everything queued
 * (and keeps accepting); told "fill" it stops accepting, drops what it had, and connects anew.
 */
public final class NetnsApp implements AutoCloseable {

    private static final String SCRIPT = """
            import socket, sys, threading, time
            port, backlog, connects, start_full = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "full"
            server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(("0.0.0.0", port))
            server.listen(backlog)
            server.setblocking(False)
            state = {"drain": False, "held": []}
            lock = threading.Lock()
            def fill():
                for s in state["held"]:
                    s.close()
                state["held"] = []
                for _ in range(connects):
                    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    c.setblocking(False)
                    c.connect_ex(("127.0.0.1", port))
                    state["held"].append(c)
            def commands():
                for line in sys.stdin:
                    with lock:
                        if line.strip() == "drain":
                            state["drain"] = True
                        elif line.strip() == "fill":
                            state["drain"] = False
                            fill()
                    print(line.strip() + "ed", flush=True)
                sys.exit(0)
            if start_full:
                with lock:
                    fill()
            print("ready", flush=True)
            threading.Thread(target=commands, daemon=True).start()
            while True:
                with lock:
                    if state["drain"]:
                        try:
                            while True:
                                conn, _ = server.accept()
                                state["held"].append(conn)
                        except BlockingIOError:
                            pass
                time.sleep(0.02)
            """;

    private final String netns;
    private final Process process;
    private final BufferedReader out;
    private final Writer in;

    private NetnsApp(String netns, Process process) {
        this.netns = netns;
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    /** A new namespace with loopback up, and the server in it, its queue filled by {@code connects}. */
    public static NetnsApp start(int port, int backlog, int connects) {
        return start(port, backlog, connects, true, null);
    }

    /** The same, its queue empty until told to {@link #fill()}. */
    public static NetnsApp startEmpty(int port, int backlog, int connects) {
        return start(port, backlog, connects, false, null);
    }

    /**
     * The same as {@link #start}, the server running as this uid and gid (e.g. 65534, nobody), as most
     * pods' servers do: its /proc/&lt;pid&gt;/fd is then that user's, which root may list only with
     * CAP_DAC_READ_SEARCH.
     */
    public static NetnsApp startAs(int uid, int port, int backlog, int connects) {
        return start(port, backlog, connects, true, uid);
    }

    private static NetnsApp start(int port, int backlog, int connects, boolean full, Integer uid) {
        String netns = "bs-app-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        run("ip", "netns", "add", netns);
        try {
            run("ip", "-n", netns, "link", "set", "lo", "up");
            List<String> cmd = new java.util.ArrayList<>(List.of("ip", "netns", "exec", netns));
            if (uid != null) {
                // setpriv execs in place, so the pid stays the server's.
                cmd.addAll(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups"));
            }
            // Debian's python3 for another user: the python3 first on root's PATH may live where only root may go (pyenv).
            String python = uid != null && java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
            cmd.addAll(List.of(python, "-u", "-c", SCRIPT, Integer.toString(port), Integer.toString(backlog),
                    Integer.toString(connects), full ? "full" : "empty"));
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            NetnsApp app = new NetnsApp(netns, p);
            app.expect("ready");
            return app;
        } catch (IOException e) {
            run("ip", "netns", "del", netns);
            throw new UncheckedIOException(e);
        }
    }

    /** The server's pid (`ip netns exec` execs it in place). */
    public long pid() {
        return process.pid();
    }

    public String netns() {
        return netns;
    }

    /** Accepts everything queued, and keeps accepting. */
    public void drain() {
        command("drain");
    }

    /** Stops accepting, closes what it held, and fills the queue again. */
    public void fill() {
        command("fill");
    }

    private void command(String command) {
        try {
            in.write(command + "\n");
            in.flush();
            expect(command + "ed");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void expect(String line) {
        try {
            String got = out.readLine();
            if (!line.equals(got)) {
                throw new IllegalStateException("the app in " + netns + " said " + got + ", not " + line);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Kills the server: its listener is gone. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        kill();
        run("ip", "netns", "del", netns);
    }

    static void run(String... command) {
        try {
            Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
