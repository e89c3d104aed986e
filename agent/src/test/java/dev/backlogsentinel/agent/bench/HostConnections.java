package dev.backlogsentinel.agent.bench;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Established loopback connections in the host namespace, the load every procfs read has to walk. */
final class HostConnections {

    private HostConnections() {
    }

    /** Established loopback connections: one process holds the accepted ends, another the clients. */
    static void open(List<Process> keep, int n) throws Exception {
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
