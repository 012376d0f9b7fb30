package io.avfuse.jobs.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.broker.KafkaBroker;
import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.ingest.IngestCommand;
import io.avfuse.connectors.kafka.KafkaConnection;
import io.avfuse.connectors.kafka.TopicReader;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.jobs.align.Modality;
import io.avfuse.jobs.dashboard.Dashboard;
import io.avfuse.jobs.dashboard.DashboardCommand;
import io.avfuse.jobs.model.FusionInferenceTest;
import io.avfuse.schemas.Prediction;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.InjectClusterRESTAddress;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * avfuse over SASL_SSL (SCRAM-SHA-512) against a real broker that accepts nothing else: media
 * ingest publishes through its {@code --kafka-config} file, the fuse job reads and writes through
 * {@code kafka.config-file}, predictions are read back {@code read_committed} over SASL_SSL and
 * shown by the dashboard. A wrong password ends ingest, the job's start and the dashboard's start
 * with one line naming the authentication failure, in bounded time. The password appears neither in
 * any log line of the run (captured at INFO), nor in the broker logs, nor in the configuration
 * views of Flink's web UI.
 */
class SaslSslITCase {
    private static final String USER = "avfuse-app";

    /** Unique, so that finding it anywhere means it leaked from this run. */
    private static final String PASSWORD =
            "pw-" + Long.toHexString(Double.doubleToLongBits(Math.random())) + "-sasl";

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA =
            KafkaBrokerExtension.dedicated(KafkaBroker.builder().scramUser(USER, PASSWORD));

    @RegisterExtension static final MiniClusterExtension FLINK = JobRest.miniCluster();

    private static final StringWriter LOG = new StringWriter();
    private static Appender capture;
    private static Level rootLevel;
    private static Level kafkaLevel;

    @TempDir Path tmp;

    /** Every log event at INFO and above goes to {@link #LOG}; the console keeps WARN. */
    @BeforeAll
    static void captureLogs() {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        var config = ctx.getConfiguration();
        capture =
                WriterAppender.newBuilder()
                        .setName("sasl-capture")
                        .setTarget(synchronizedWriter(LOG))
                        .setLayout(
                                PatternLayout.newBuilder().withPattern("%c %m%n%throwable").build())
                        .build();
        capture.start();
        LoggerConfig root = config.getRootLogger();
        rootLevel = root.getLevel();
        Appender console = root.getAppenders().get("console");
        if (console != null) {
            root.removeAppender("console");
            root.addAppender(console, Level.WARN, null);
        }
        root.addAppender(capture, Level.INFO, null);
        root.setLevel(Level.INFO);
        LoggerConfig kafka = config.getLoggerConfig("org.apache.kafka");
        kafkaLevel = kafka.getLevel();
        kafka.setLevel(Level.INFO);
        ctx.updateLoggers();
    }

    @AfterAll
    static void restoreLogs() {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        var config = ctx.getConfiguration();
        LoggerConfig root = config.getRootLogger();
        root.removeAppender(capture.getName());
        root.setLevel(rootLevel);
        config.getLoggerConfig("org.apache.kafka").setLevel(kafkaLevel);
        ctx.updateLoggers();
        capture.stop();
    }

    @Test
    void ingestJobAndReaderWorkOverSaslSslAndNoSecretLeaks(@InjectClusterRESTAddress URI rest)
            throws Exception {
        KafkaBroker broker = KAFKA.broker();
        assertThat(broker.isSaslSsl()).isTrue();
        Path clientConfig = broker.writeClientConfig(USER, tmp.resolve("client.properties"));
        assertThat(
                        java.nio.file.attribute.PosixFilePermissions.toString(
                                Files.getPosixFilePermissions(clientConfig)))
                .isEqualTo("rw-------");
        FuseJobSettings.Topics topics = FuseJobSettings.Topics.unique(KAFKA, "sasl");
        String video = topics.video();
        String audio = topics.audio();
        String text = topics.text();
        String predictions = topics.predictions();
        String embeddings = topics.embeddings();
        String dlq = topics.deadletter();
        KAFKA.createTopics(1, (short) 1, video, audio, text, predictions, embeddings, dlq);

        // A PLAINTEXT client gets nothing from this broker: SASL_SSL is the only way in.
        assertThat(
                        runIngest(
                                        KAFKA.bootstrapServers(),
                                        null,
                                        video,
                                        audio,
                                        text,
                                        "--kafka-property",
                                        "max.block.ms=3000")
                                .code())
                .isEqualTo(3);

        // Whole seconds, a minute back: windows line up and nothing is "in the future".
        Instant start = Instant.ofEpochSecond(Instant.now().getEpochSecond() - 60);
        Run ingest =
                runIngest(
                        KAFKA.bootstrapServers(),
                        clientConfig,
                        video,
                        audio,
                        text,
                        "--start-time",
                        start.toString());
        assertThat(ingest.code()).as(ingest.err()).isZero();
        assertThat(ingest.out()).contains("stream sasl-cam: 32 frames");

        Path model = FusionInferenceTest.savedModel(tmp, 16, List.of("video", "audio"));
        // The partition lookup speaks SASL_SSL with the job's client config: one partition each,
        // so one source subtask each at parallelism 2 (a failed lookup would leave them at 2).
        JobConfig twoSubtasks =
                FuseJobSettings.of(KAFKA.bootstrapServers(), topics, model)
                        .set("kafka.config-file", clientConfig)
                        .config();
        assertThat(SourceParallelism.fitToPartitions(twoSubtasks).sourceParallelism(Modality.TEXT))
                .contains(1);
        JobClient job =
                FuseJobSettings.of(KAFKA.bootstrapServers(), topics, model)
                        .set("kafka.config-file", clientConfig)
                        .set("align.idle-flush", "1s")
                        .set("job.parallelism", 1)
                        .start("sasl-fuse-it");
        KafkaConnection reader =
                KafkaConnection.to(KAFKA.bootstrapServers()).withConfigFile(clientConfig);
        List<Prediction> got = List.of();
        List<String> views = new ArrayList<>();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (System.nanoTime() < deadline && got.size() < 4) {
                Thread.sleep(500);
                got = TopicReader.readAll(reader, predictions, RecordType.PREDICTION, timeout());
            }
            String id = job.getJobID().toHexString();
            for (String path :
                    List.of(
                            "jobmanager/config",
                            "jobs/" + id + "/config",
                            "jobs/" + id + "/jobmanager/config")) {
                views.add(
                        path
                                + " "
                                + get(
                                        URI.create(
                                                rest.toString().replaceAll("/$", "")
                                                        + "/"
                                                        + path)));
            }
            Thread.sleep(1500); // more checkpoints: no window may appear twice
            got = TopicReader.readAll(reader, predictions, RecordType.PREDICTION, timeout());
        } finally {
            job.cancel().get();
        }

        // 4 s of media: windows [start, start + 1 s) ... [start + 3 s, start + 4 s), once each
        // (a last audio chunk may reach into a fifth window).
        long t0 = start.getEpochSecond() * 1_000_000L;
        List<Long> windows = got.stream().map(Prediction::getWindowStartUs).toList();
        assertThat(windows).doesNotHaveDuplicates();
        assertThat(windows).contains(t0, t0 + 1_000_000, t0 + 2_000_000, t0 + 3_000_000);
        assertThat(windows).allSatisfy(w -> assertThat(w).isBetween(t0, t0 + 4_000_000));
        assertThat(got).extracting(Prediction::getStreamId).containsOnly("sasl-cam");

        // The dashboard's consumer reads the same topics through the same client file.
        Map<String, String> dashboardProps = new LinkedHashMap<>();
        KafkaConnection.loadConfigFile(clientConfig)
                .forEach((k, v) -> dashboardProps.put(k.toString(), v.toString()));
        try (Dashboard dashboard =
                Dashboard.start(
                        new Dashboard.Settings(
                                KAFKA.bootstrapServers(),
                                dashboardProps,
                                predictions,
                                embeddings,
                                video,
                                "earliest",
                                WireFormat.SINGLE_OBJECT,
                                null,
                                "127.0.0.1",
                                0,
                                16,
                                64))) {
            String snapshot = "";
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < until && !snapshot.contains("\"sasl-cam\"")) {
                Thread.sleep(300);
                snapshot = get(URI.create(dashboard.url() + "api/snapshot"));
            }
            assertThat(snapshot).contains("\"stream\":\"sasl-cam\"");
        }

        // Flink's web UI: the views were fetched (job name, REST address) and hold no secret.
        assertThat(views.get(0)).contains("rest.address");
        assertThat(views.get(1)).contains("sasl-fuse-it");
        for (String view : views) {
            assertNoSecret(view, view.substring(0, view.indexOf(' ')));
        }
        // Flink masks keys containing "password" and "jaas.config", should one ever get there.
        assertThat(GlobalConfiguration.isSensitive("kafka.property.sasl.jaas.config")).isTrue();
        assertThat(GlobalConfiguration.isSensitive("kafka.property.ssl.truststore.password"))
                .isTrue();

        String logs = LOG.toString();
        assertThat(logs).contains("ProducerConfig values"); // INFO was captured
        assertThat(logs).contains("sasl.jaas.config = [hidden]");
        assertThat(logs).contains("ssl.truststore.password = [hidden]");
        assertNoSecret(logs, "the captured log");
        assertNoSecret(ingest.out() + ingest.err(), "ingest's output");
        assertNoSecret(brokerLogs(broker), "the broker logs");
    }

    @Test
    void wrongPasswordEndsIngestWithOneLineNamingAuthentication() throws Exception {
        Path wrong = writeClientConfig(tmp.resolve("wrong.properties"), PASSWORD + "x");
        String video = KAFKA.uniqueTopic("wrong-video");
        KAFKA.createTopics(1, (short) 1, video);
        long started = System.nanoTime();
        Run run = runIngest(KAFKA.bootstrapServers(), wrong, video, video, video);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(run.code()).isEqualTo(3);
        assertThat(took).isLessThan(Duration.ofSeconds(20));
        assertThat(run.err().strip().lines()).hasSize(1);
        assertThat(run.err())
                .startsWith(
                        "avfuse ingest: Kafka authentication failed at " + KAFKA.bootstrapServers())
                .contains("SASL_SSL, SCRAM-SHA-512")
                .contains("invalid credentials")
                .doesNotContain("\tat ");
        assertNoSecret(run.err(), "ingest's error");
    }

    @Test
    void wrongPasswordEndsTheJobStartWithOneLineNamingAuthentication() throws Exception {
        Path wrong = writeClientConfig(tmp.resolve("wrong-job.properties"), "not-the-password");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        long started = System.nanoTime();
        int code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code =
                    JobCli.run(
                            new FuseJob(),
                            new String[] {
                                "--set", "kafka.bootstrap-servers=" + KAFKA.bootstrapServers(),
                                "--set", "kafka.config-file=" + wrong,
                                "--set", "model.dir=" + tmp.resolve("never-loaded")
                            });
        } finally {
            System.setErr(saved);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        String message = err.toString(StandardCharsets.UTF_8);

        assertThat(code).isEqualTo(JobCli.KAFKA_FAILURE);
        assertThat(took).isLessThan(Duration.ofSeconds(20));
        assertThat(message.strip().lines()).hasSize(1);
        assertThat(message)
                .startsWith("avfuse fuse: Kafka authentication failed at ")
                .contains("SCRAM-SHA-512")
                .contains("invalid credentials");
    }

    @Test
    void wrongPasswordEndsTheDashboardStartWithOneLineNamingAuthentication() throws Exception {
        Path wrong = writeClientConfig(tmp.resolve("wrong-dashboard.properties"), "nope-nope-nope");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cli = new picocli.CommandLine(new DashboardCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err, true));
        long started = System.nanoTime();
        int code =
                cli.execute(
                        "--bootstrap-servers",
                        KAFKA.bootstrapServers(),
                        "--kafka-config",
                        wrong.toString(),
                        "--port",
                        "0");
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(code).isEqualTo(3);
        assertThat(took).isLessThan(Duration.ofSeconds(15));
        assertThat(err.toString().strip().lines()).hasSize(1);
        assertThat(err.toString())
                .startsWith("avfuse dashboard: Kafka authentication failed at ")
                .contains("invalid credentials");
        assertThat(out.toString()).doesNotContain("http://");
    }

    private static Path writeClientConfig(Path file, String password) throws IOException {
        Properties props = KAFKA.broker().clientSecurity(USER, password);
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            props.store(out, "SaslSslITCase client");
        }
        return file;
    }

    private record Run(int code, String out, String err) {}

    private static Run runIngest(
            String bootstrap, Path config, String video, String audio, String text, String... extra)
            throws Exception {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--bootstrap-servers",
                                bootstrap,
                                "--video-topic",
                                video,
                                "--audio-topic",
                                audio,
                                "--text-topic",
                                text,
                                "--stream-id",
                                "sasl-cam",
                                "--duration",
                                "4",
                                "--progress",
                                "never",
                                "--encode-threads",
                                "1"));
        if (config != null) {
            args.addAll(List.of("--kafka-config", config.toString()));
        }
        args.addAll(List.of(extra));
        args.add("lavfi:testsrc2=size=160x120:rate=8[out0];sine=f=440:sample_rate=16000[out1]");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cli = IngestCommand.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    private static void assertNoSecret(String text, String where) {
        assertThat(text).as("the SCRAM password in " + where).doesNotContain(PASSWORD);
        for (String secret : KAFKA.broker().scramUsers().values()) {
            assertThat(text).as("a SCRAM password in " + where).doesNotContain(secret);
        }
        String trustPassword =
                KAFKA.broker()
                        .clientSecurity(USER, PASSWORD)
                        .getProperty("ssl.truststore.password");
        assertThat(text).as("the trust store password in " + where).doesNotContain(trustPassword);
    }

    private static String brokerLogs(KafkaBroker broker) throws IOException {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.walk(broker.dataDir())) {
            for (Path log : files.filter(p -> p.toString().endsWith(".log")).toList()) {
                if (log.getFileName().toString().equals("kafka.log")) {
                    all.append(Files.readString(log, StandardCharsets.UTF_8));
                }
            }
        }
        assertThat(all).as("broker logs").contains("Kafka Server started");
        return all.toString();
    }

    private static String get(URI uri) throws Exception {
        HttpResponse<String> response =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(uri.toString()).isEqualTo(200);
        return response.body();
    }

    private static Duration timeout() {
        return Duration.ofSeconds(30);
    }

    private static Writer synchronizedWriter(StringWriter target) {
        return new Writer() {
            @Override
            public void write(char[] buf, int off, int len) {
                synchronized (target) {
                    target.write(buf, off, len);
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
    }
}
