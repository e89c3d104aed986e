package dev.backlogsentinel.agent.attribution;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real binaries: etcd (Go; installed with the test API server, always there in CI) and the JVM's
 * own launcher (C). Then what is not an ELF, or only the start of one.
 */
class GoBinaryTest {

    static final Path ETCD = Path.of("/usr/bin/etcd");

    @TempDir
    Path dir;

    @Test
    void etcdIsAGoProgram() {
        if (!"true".equals(System.getenv("CI"))) {
            assumeTrue(Files.isRegularFile(ETCD), "etcd (Debian etcd-server, installed by bin/kube-test-binaries.sh) is not here");
        }
        assertThat(GoBinary.isGo(ETCD)).isTrue();
    }

    @Test
    void theJavaLauncherIsNot() {
        assertThat(GoBinary.isGo(Path.of(System.getProperty("java.home"), "bin", "java"))).isFalse();
    }

    @Test
    void aFifoOrADeviceIsNeverReadNorWaitedOn() throws Exception {
        Path fifo = dir.resolve("exe");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        Path zero = Files.createSymbolicLink(dir.resolve("zero"), Path.of("/dev/zero"));
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () -> {
            assertThat(GoBinary.isGo(fifo)).isFalse();
            assertThat(GoBinary.isGo(zero)).isFalse();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> dev.backlogsentinel.agent.procfs.ProcFile.openRegular(fifo))
                    .isInstanceOf(java.io.IOException.class).hasMessageContaining("a FIFO");
        });
    }

    @Test
    void whatIsNotAWholeElfIsNot() throws Exception {
        Path text = Files.writeString(dir.resolve("script"), "#!/bin/sh\necho .go.buildinfo\n");
        assertThat(GoBinary.isGo(text)).isFalse();
        if (Files.isRegularFile(ETCD)) {
            byte[] elf = Files.readAllBytes(ETCD);
            Path head = Files.write(dir.resolve("head"), Arrays.copyOf(elf, 64));
            assertThat(GoBinary.isGo(head)).as("section headers cut off").isFalse();
        }
        Path fifo = dir.resolve("fifo");
        new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
        assertThat(GoBinary.isGo(fifo)).as("a FIFO is not opened (it would block)").isFalse();
        assertThat(GoBinary.isGo(dir.resolve("absent"))).isFalse();
    }
}
