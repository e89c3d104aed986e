package dev.backlogsentinel.agent.bench;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Established loopback connections in the host namespace, the load every procfs read has to walk. */
final class HostConnections {

    private HostConnections() {
    }

    /** Per process: below the open-file limit (20,000 here, which even root cannot raise in this sandbox). */
    static final int PER_PROCESS = 10_000;

    /** Established loopback connections, in pairs of processes of at most PER_PROCESS each. */
    static void open(List<Process> keep, int n) throws Exception {
        for (int done = 0; done < n; done += PER_PROCESS) {
            openPair(keep, Math.min(PER_PROCESS, n - done));
        }
    }

    /** One process holds the accepted ends, another the clients. */
    private static void openPair(List<Process> keep, int n) throws Exception {
        Process server = new ProcessBuilder("python3", "-c", """
                import socket, sys, time
                s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(4096)
                print(s.getsockname()[1], flush=True)
                held = [s.accept()[0] for _ in range(%d)]
                print('ok', flush=True); time.sleep(3600)
                """.formatted(n)).start();
        keep.add(server);
        var serverOut = new java.io.BufferedReader(new java.io.InputStreamReader(server.getInputStream()));
        int port = Integer.parseInt(serverOut.readLine().strip());
        Process clients = new ProcessBuilder("python3", "-c", """
                import socket, time
                held = [socket.create_connection(('127.0.0.1', %d)) for _ in range(%d)]
                print('ok', flush=True); time.sleep(3600)
                """.formatted(port, n)).redirectErrorStream(true).start();
        keep.add(clients);
        assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(clients.getInputStream())).readLine()).isEqualTo("ok");
        assertThat(serverOut.readLine()).isEqualTo("ok");
    }
}
