package io.avfuse.connectors.broker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway certificate authority and the stores a TLS listener on 127.0.0.1 needs, made at start
 * with the JDK's {@code keytool}: nothing is committed, nothing is downloaded. The broker's
 * certificate is signed by the CA and names {@code IP:127.0.0.1} and {@code DNS:localhost}, so
 * clients keep Kafka's default hostname verification ({@code
 * ssl.endpoint.identification.algorithm=https}).
 *
 * <p>Store passwords are random and reach {@code keytool} through its environment ({@code
 * -storepass:env}), never its command line.
 *
 * <p>{@code TlsMaterial tls = TlsMaterial.generate(dir); tls.truststore();
 * tls.truststorePassword()}
 */
public final class TlsMaterial {
    private static final Duration KEYTOOL_TIMEOUT = Duration.ofSeconds(60);
    private static final String CA_PASS = "AVFUSE_CA_PASS";
    private static final String KEY_PASS = "AVFUSE_KEY_PASS";
    private static final String TRUST_PASS = "AVFUSE_TRUST_PASS";

    private final Path keystore;
    private final String keystorePassword;
    private final Path truststore;
    private final String truststorePassword;

    private TlsMaterial(
            Path keystore, String keystorePassword, Path truststore, String truststorePassword) {
        this.keystore = keystore;
        this.keystorePassword = keystorePassword;
        this.truststore = truststore;
        this.truststorePassword = truststorePassword;
    }

    /**
     * Creates {@code ca.p12} (the CA's key), {@code broker.p12} (the broker's key and CA-signed
     * chain) and {@code truststore.p12} (the CA certificate, for clients and brokers) in {@code
     * dir}. About 8 {@code keytool} runs, 2–4 s on a small machine.
     */
    public static TlsMaterial generate(Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, String> env =
                Map.of(
                        CA_PASS,
                        randomSecret(),
                        KEY_PASS,
                        randomSecret(),
                        TRUST_PASS,
                        randomSecret());
        Path ca = dir.resolve("ca.p12");
        Path caPem = dir.resolve("ca.pem");
        Path broker = dir.resolve("broker.p12");
        Path csr = dir.resolve("broker.csr");
        Path signed = dir.resolve("broker.pem");
        Path trust = dir.resolve("truststore.p12");
        Path log = dir.resolve("keytool.log");
        keytool(
                dir,
                env,
                log,
                "-genkeypair",
                "-alias",
                "ca",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=avfuse throwaway test CA",
                "-ext",
                "bc:c",
                "-validity",
                "30",
                "-storetype",
                "PKCS12",
                "-keystore",
                ca.toString(),
                "-storepass:env",
                CA_PASS);
        keytool(
                dir,
                env,
                log,
                "-exportcert",
                "-rfc",
                "-alias",
                "ca",
                "-keystore",
                ca.toString(),
                "-storepass:env",
                CA_PASS,
                "-file",
                caPem.toString());
        keytool(
                dir,
                env,
                log,
                "-importcert",
                "-noprompt",
                "-alias",
                "ca",
                "-file",
                caPem.toString(),
                "-storetype",
                "PKCS12",
                "-keystore",
                trust.toString(),
                "-storepass:env",
                TRUST_PASS);
        keytool(
                dir,
                env,
                log,
                "-genkeypair",
                "-alias",
                "broker",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=localhost",
                "-validity",
                "30",
                "-storetype",
                "PKCS12",
                "-keystore",
                broker.toString(),
                "-storepass:env",
                KEY_PASS);
        keytool(
                dir,
                env,
                log,
                "-certreq",
                "-alias",
                "broker",
                "-keystore",
                broker.toString(),
                "-storepass:env",
                KEY_PASS,
                "-file",
                csr.toString());
        keytool(
                dir,
                env,
                log,
                "-gencert",
                "-rfc",
                "-alias",
                "ca",
                "-keystore",
                ca.toString(),
                "-storepass:env",
                CA_PASS,
                "-infile",
                csr.toString(),
                "-outfile",
                signed.toString(),
                "-validity",
                "30",
                "-ext",
                "SAN=IP:127.0.0.1,DNS:localhost",
                "-ext",
                "EKU=serverAuth,clientAuth");
        keytool(
                dir,
                env,
                log,
                "-importcert",
                "-noprompt",
                "-alias",
                "ca",
                "-file",
                caPem.toString(),
                "-keystore",
                broker.toString(),
                "-storepass:env",
                KEY_PASS);
        keytool(
                dir,
                env,
                log,
                "-importcert",
                "-noprompt",
                "-alias",
                "broker",
                "-file",
                signed.toString(),
                "-keystore",
                broker.toString(),
                "-storepass:env",
                KEY_PASS);
        Files.deleteIfExists(csr);
        return new TlsMaterial(broker, env.get(KEY_PASS), trust, env.get(TRUST_PASS));
    }

    /** The broker's PKCS12 key store (key and CA-signed certificate chain). */
    public Path keystore() {
        return keystore;
    }

    public String keystorePassword() {
        return keystorePassword;
    }

    /** PKCS12 store holding only the throwaway CA's certificate. */
    public Path truststore() {
        return truststore;
    }

    public String truststorePassword() {
        return truststorePassword;
    }

    /** 32 hex digits from {@link SecureRandom}: safe inside JAAS strings and SCRAM arguments. */
    static String randomSecret() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static void keytool(Path dir, Map<String, String> env, Path log, String... args)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        // Short-lived JVMs: C1 only and the serial collector halve the CPU each run takes.
        command.addAll(
                List.of("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", "-J-XX:-UsePerfData"));
        command.addAll(List.of(args));
        ProcessBuilder builder =
                new ProcessBuilder(command)
                        .directory(dir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        Process process = builder.start();
        try {
            if (!process.waitFor(KEYTOOL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new KafkaBrokerException(
                        "keytool " + args[0] + " took over " + KEYTOOL_TIMEOUT);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new KafkaBrokerException("interrupted running keytool " + args[0], e);
        }
        if (process.exitValue() != 0) {
            throw new KafkaBrokerException(
                    "keytool "
                            + args[0]
                            + " failed with exit code "
                            + process.exitValue()
                            + ":\n"
                            + Files.readString(log, StandardCharsets.UTF_8));
        }
    }
}
