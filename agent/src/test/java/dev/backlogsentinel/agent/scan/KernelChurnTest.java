package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.kernel.ScanErrors;
import dev.backlogsentinel.agent.kernel.ReaderChoice;
import dev.backlogsentinel.agent.NetnsFixture;
import dev.backlogsentinel.agent.RootRequired;
import dev.backlogsentinel.agent.TestConfig;
import dev.backlogsentinel.agent.kernel.Family;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real process and namespace churn while scanning: short-lived processes in a watched namespace,
 * whole namespaces created and deleted. Every scan completes, and the steady namespace's listener
 * is in every one of them.
 */
@RootRequired
class KernelChurnTest {

    @ParameterizedTest
    @EnumSource(value = ReaderChoice.class, names = {"NETLINK", "PROCFS"})
    void scansSurviveProcessesAndNamespacesVanishing(ReaderChoice reader) throws Exception {
        try (NetnsFixture steady = NetnsFixture.create(); NodeScanner scanner = TestConfig.scanner(reader)) {
            steady.fill(Family.IPv4, 5000, 8, 0);
            long steadyKey = steady.key();
            AtomicBoolean stop = new AtomicBoolean();
            List<Throwable> churnErrors = new ArrayList<>();
            Thread churn = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    try {
                        // Processes that exit within milliseconds, in the watched namespace and in one that dies with them.
                        Process brief = new ProcessBuilder("ip", "netns", "exec", steady.name(), "sleep", "0.01").start();
                        try (NetnsFixture doomed = NetnsFixture.create()) {
                            doomed.fill(Family.IPv4, 5001, 4, 1);
                        }
                        brief.waitFor(5, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        churnErrors.add(e);
                        return;
                    }
                }
            });
            int scans = 0;
            int vanished = 0;
            try {
                // At least 6 s of churn and at least 20 scans through it, however long a busy machine
                // takes for them; a scan that never returns is what the 2-minute bound is for.
                long start = System.nanoTime();
                while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(6) || scans < 20) {
                    assertThat(System.nanoTime() - start).as("20 scans under churn within two minutes").isLessThan(TimeUnit.MINUTES.toNanos(2));
                    NodeScan scan = scanner.scan();
                    scans++;
                    vanished += scan.errors().count(ScanErrors.Kind.VANISHED);
                    assertThat(scan.errors().count(ScanErrors.Kind.MALFORMED)).isZero();
                    NetnsScan ns = scan.namespaces().stream().filter(n -> n.key() == steadyKey).findFirst().orElseThrow();
                    assertThat(ns.listeners()).extracting(l -> l.endpoint().port()).contains(5000);
                }
            } finally {
                stop.set(true);
                churn.join();
            }
            assertThat(churnErrors).isEmpty();
            assertThat(scans).isGreaterThanOrEqualTo(20);
            // Not asserted positive: whether a process dies inside the window of a scan is timing;
            // what matters is that no scan failed. Reported for the log.
            System.out.printf("%s: %d scans under churn, %d vanished processes counted%n", reader, scans, vanished);
        }
    }
}
