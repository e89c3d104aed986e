package dev.backlogsentinel.testing;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The harness's own rules that need no server. What it installs on a real one is tested where the
 * chart is (charts' ChartInstallTest), so that no module waits on a server start before it builds.
 */
class TestApiServerTest {

    @Test
    void aStartWhoseReadinessDeadlineWouldPassMidnightWaitsForIt() {
        assertThat(TestApiServer.waitBeforeStart(LocalTime.NOON)).isZero();
        assertThat(TestApiServer.waitBeforeStart(LocalTime.of(23, 57, 59))).as("deadline 23:59:59, still today").isZero();
        assertThat(TestApiServer.waitBeforeStart(LocalTime.of(23, 59, 0))).as("to midnight, and a second")
                .isBetween(Duration.ofSeconds(60), Duration.ofSeconds(61));
        assertThat(TestApiServer.waitBeforeStart(LocalTime.of(23, 58, 1))).isGreaterThan(Duration.ofSeconds(119));
    }

    /** A JVM that makes the certificates in the directory it is given, and says whether it made them. */
    public static void main(String[] args) throws Exception {
        // Start together: each JVM waits for the go file, as parallel test JVMs start at once.
        Path go = Path.of(args[1]);
        while (!Files.exists(go)) {
            Thread.sleep(5);
        }
        System.out.println(TestApiServer.makeCertificates(Path.of(args[0])) ? "made" : "found");
    }

    @Test
    void jvmsStartedTogetherOnAFreshMachineMakeOneSetOfCertificates(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("kubeapitest");
        Path go = tmp.resolve("go");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> jvms = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            jvms.add(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), TestApiServerTest.class.getName(),
                    dir.toString(), go.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start());
        }
        Thread.sleep(1500);
        Files.createFile(go);
        List<String> said = new ArrayList<>();
        for (Process p : jvms) {
            said.add(new String(p.getInputStream().readAllBytes()).strip());
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
        }
        assertThat(said).as("one JVM made them, the others found them").containsOnlyOnce("made").hasSize(4)
                .containsOnly("made", "found");
        // The server's key is the one its certificate holds (it signs tokens with one and hands out the other).
        assertThat(publicKey(dir.resolve("apiserver.crt")).getModulus()).isEqualTo(privateKey(dir.resolve("apiserver.key")).getModulus());
        assertThat(publicKey(dir.resolve("client.crt")).getModulus()).isEqualTo(privateKey(dir.resolve("client.key")).getModulus());
        assertThat(TestApiServer.makeCertificates(dir)).as("a later start makes nothing").isFalse();
    }

    private static RSAPublicKey publicKey(Path crt) throws Exception {
        X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(crt)));
        return (RSAPublicKey) cert.getPublicKey();
    }

    private static RSAPrivateCrtKey privateKey(Path key) throws Exception {
        try (PEMParser pem = new PEMParser(Files.newBufferedReader(key))) {
            Object read = pem.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            return (RSAPrivateCrtKey) (read instanceof PEMKeyPair pair ? converter.getKeyPair(pair).getPrivate()
                    : converter.getPrivateKey((PrivateKeyInfo) read));
        }
    }
}
