package dev.backlogsentinel.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A CA and a serving certificate for 127.0.0.1, made by openssl, in the form the chart's Helm
 * functions make them (genCA, genSignedCert: PEM, a PKCS#1 RSA key), for a webhook that a test API
 * server calls on loopback.
 */
public record LoopbackCertificate(Path caCertificate, Path certificate, Path key) {

    public static LoopbackCertificate in(Path dir) throws IOException, InterruptedException {
        Path caKey = dir.resolve("ca.key");
        Path ca = dir.resolve("ca.crt");
        Path key = dir.resolve("tls.key");
        Path csr = dir.resolve("tls.csr");
        Path cert = dir.resolve("tls.crt");
        Path ext = Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1\n");
        openssl("genrsa", "-traditional", "-out", caKey.toString(), "2048");
        openssl("req", "-x509", "-new", "-key", caKey.toString(), "-out", ca.toString(), "-days", "2", "-subj", "/CN=test-admission-ca");
        openssl("genrsa", "-traditional", "-out", key.toString(), "2048");
        openssl("req", "-new", "-key", key.toString(), "-out", csr.toString(), "-subj", "/CN=127.0.0.1");
        openssl("x509", "-req", "-in", csr.toString(), "-CA", ca.toString(), "-CAkey", caKey.toString(), "-CAcreateserial",
                "-out", cert.toString(), "-days", "2", "-extfile", ext.toString());
        return new LoopbackCertificate(ca, cert, key);
    }

    /** The CA as a webhook's caBundle wants it. */
    public String caBundle() throws IOException {
        return Base64.getEncoder().encodeToString(Files.readAllBytes(caCertificate));
    }

    private static void openssl(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
    }
}
