package dev.backlogsentinel.agent.bench;

import dev.backlogsentinel.agent.NetnsFixture;
import dev.backlogsentinel.agent.RootRequired;
import dev.backlogsentinel.agent.TestConfig;
import dev.backlogsentinel.agent.kernel.Family;
import dev.backlogsentinel.agent.scan.NodeScan;
import dev.backlogsentinel.agent.scan.NodeScanner;
import dev.backlogsentinel.agent.kernel.ReaderChoice;
import dev.backlogsentinel.testing.BenchmarkSizes;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Not a test: the performance budget of DESIGN.md measured on a node-like layout, printed side by
 * side. Run as root: `./mvnw -Pbench -pl agent test`. Sizes: -Dbench.namespaces (100),
 * -Dbench.connections (18000 established loopback connections in the host namespace, held by two
 * helper processes so that neither needs more than its own open-file limit).
 */
@RootRequired
class ScanBenchmark {

    static final int NAMESPACES = BenchmarkSizes.count("bench.namespaces", 100, 3);
    static final int CONNECTIONS = BenchmarkSizes.count("bench.connections", 18_000, 200);
    static final int ROUNDS = BenchmarkSizes.count("bench.rounds", 15, 2);

    record Row(String what, double medianMs, double p90Ms) {
    }

    @Test
    void wholeNodeScan() throws Exception {
        List<NetnsFixture> namespaces = new ArrayList<>();
        List<Process> connections = new ArrayList<>();
        try {
            for (int i = 0; i < NAMESPACES; i++) {
                NetnsFixture ns = NetnsFixture.create();
                namespaces.add(ns);
                ns.fill(Family.IPv4, 8080, 128, 0);
                ns.fill(Family.IPv6, 8443, 128, 0);
            }
            List<Row> quiet = measure(namespaces, 0);
            HostConnections.open(connections, CONNECTIONS);
            List<Row> busy = measure(namespaces, CONNECTIONS);
            print(quiet, busy);
        } finally {
            for (Process p : connections) {
                p.destroyForcibly().waitFor();
            }
            for (NetnsFixture ns : namespaces) {
                ns.close();
            }
        }
    }

    private List<Row> measure(List<NetnsFixture> namespaces, int connections) throws Exception {
        List<Row> rows = new ArrayList<>();
        for (ReaderChoice reader : new ReaderChoice[] {ReaderChoice.NETLINK, ReaderChoice.PROCFS}) {
            try (NodeScanner scanner = TestConfig.scanner(reader)) {
                // Warm up: the first scans open a source per namespace and count SYN_RECV once.
                for (int i = 0; i < 30; i++) {
                    NodeScan scan = scanner.scan();
                    assertThat(scan.namespaces()).hasSizeGreaterThan(NAMESPACES);
                }
                double[] ms = new double[ROUNDS];
                for (int i = 0; i < ROUNDS; i++) {
                    long t0 = System.nanoTime();
                    NodeScan scan = scanner.scan();
                    ms[i] = (System.nanoTime() - t0) / 1e6;
                    assertThat(scan.listenerCount()).isGreaterThanOrEqualTo(2 * NAMESPACES);
                }
                rows.add(row("agent, " + reader.name().toLowerCase(Locale.ROOT) + " reader", ms));
            }
        }
        // What the seed's scripts do: one `ss -lnt` process per namespace.
        double[] ms = new double[3];
        for (int i = 0; i < ms.length; i++) {
            long t0 = System.nanoTime();
            for (NetnsFixture ns : namespaces) {
                ns.exec("ss", "-lnt");
            }
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        rows.add(row("ip netns exec ss -lnt, per netns", ms));
        return rows;
    }

    private static Row row(String what, double[] ms) {
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        return new Row(what, sorted[sorted.length / 2], sorted[(int) Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.9) - 1)]);
    }

    private static void print(List<Row> quiet, List<Row> busy) {
        double base = busy.getFirst().medianMs();
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%nWhole-node scan: %d namespaces x 2 listeners (median of %d scans; ss: of 3 rounds)%n",
                NAMESPACES, ROUNDS));
        out.append(BenchmarkSizes.banner());
        out.append(String.format(Locale.ROOT, "%-36s %18s %18s %14s %14s%n", "", "0 host conns (ms)",
                CONNECTIONS + " conns (ms)", "p90 busy (ms)", "vs netlink"));
        for (int i = 0; i < busy.size(); i++) {
            out.append(String.format(Locale.ROOT, "%-36s %18.2f %18.2f %14.2f %13.1fx%n", busy.get(i).what(),
                    quiet.get(i).medianMs(), busy.get(i).medianMs(), busy.get(i).p90Ms(), busy.get(i).medianMs() / base));
        }
        out.append(String.format(Locale.ROOT, "growth with host connections: netlink %.2fx, procfs %.2fx%n",
                busy.get(0).medianMs() / quiet.get(0).medianMs(), busy.get(1).medianMs() / quiet.get(1).medianMs()));
        System.out.println(out);
    }
}
