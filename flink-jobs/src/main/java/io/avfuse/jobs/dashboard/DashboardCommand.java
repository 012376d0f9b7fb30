package io.avfuse.jobs.dashboard;

import io.avfuse.connectors.kafka.KafkaAccess;
import io.avfuse.connectors.kafka.KafkaConnection;
import io.avfuse.connectors.kafka.TopicNames;
import io.avfuse.connectors.serde.WireFormat;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code avfuse dashboard}: the live web dashboard over the prediction and embedding topics. */
@Command(
        name = "dashboard",
        mixinStandardHelpOptions = true,
        version = "avfuse dashboard 0.1.0",
        sortOptions = false,
        description = {
            "Serves a live web dashboard of what the fusion job writes: per-stream timelines"
                    + " (label, confidence, modalities present, degraded periods), latency"
                    + " percentiles, a thumbnail of the frame at each window, and a search box"
                    + " that ranks windows by cosine similarity to a text query embedded with"
                    + " --model's text encoder.",
            "Reads the topics read_committed with its own consumer (no group, nothing"
                    + " committed). Binds 127.0.0.1 unless told otherwise; runs until Ctrl-C."
        })
public final class DashboardCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Option(
            names = {"-b", "--bootstrap-servers"},
            required = true,
            paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers.")
    String bootstrap;

    @Option(
            names = "--model",
            paramLabel = "DIR",
            description =
                    "Model directory whose text encoder embeds search queries: the one the job"
                            + " serves (windows embedded by another model version are not"
                            + " ranked). Without it the search box is disabled.")
    Path model;

    @Option(
            names = "--bind",
            paramLabel = "ADDRESS",
            defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(
            names = "--port",
            paramLabel = "PORT",
            defaultValue = "8088",
            description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--predictions-topic",
            paramLabel = "TOPIC",
            description = "Prediction topic (default: av.predictions).")
    String predictionsTopic = TopicNames.defaults().predictions();

    @Option(
            names = "--embeddings-topic",
            paramLabel = "TOPIC",
            description = "Embedding topic (default: av.embeddings).")
    String embeddingsTopic = TopicNames.defaults().embeddings();

    @Option(
            names = "--frames-topic",
            paramLabel = "TOPIC",
            description = "Video frame topic, for the thumbnails (default: av.video.frames).")
    String framesTopic = TopicNames.defaults().videoFrames();

    @Option(
            names = "--from",
            paramLabel = "WHERE",
            defaultValue = "earliest",
            description =
                    "Where to start reading: earliest, latest, or a look-back by record time such"
                            + " as 10m (default: ${DEFAULT-VALUE}).")
    String from;

    @Option(
            names = "--windows-per-stream",
            paramLabel = "N",
            defaultValue = "300",
            description =
                    "Windows kept per stream, the oldest dropped (default: ${DEFAULT-VALUE}).")
    int windowsPerStream;

    @Option(
            names = "--max-streams",
            paramLabel = "N",
            defaultValue = "32",
            description =
                    "Streams kept, the least recently updated dropped (default: ${DEFAULT-VALUE}).")
    int maxStreams;

    @Option(
            names = "--wire-format",
            paramLabel = "FORMAT",
            defaultValue = "SINGLE_OBJECT",
            description =
                    "How the records are framed: ${COMPLETION-CANDIDATES} (default:"
                            + " ${DEFAULT-VALUE}).")
    WireFormat wireFormat;

    @Option(
            names = "--kafka-config",
            paramLabel = "FILE",
            description =
                    "Kafka client properties file (security.protocol, sasl.*, ssl.*); default:"
                            + " the file $AVFUSE_KAFKA_CONFIG names.")
    Path kafkaConfig;

    @Option(
            names = "--kafka-property",
            paramLabel = "KEY=VALUE",
            description =
                    "Extra consumer property (repeatable); wins over --kafka-config. Keep"
                            + " secrets in the file, not here.")
    Map<String, String> kafkaProperties = new LinkedHashMap<>();

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(new CommandLine(new DashboardCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--port must be 0..65535, got " + port);
        }
        if (windowsPerStream < 1 || maxStreams < 1) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--windows-per-stream and --max-streams must be positive");
        }
        if (model != null && !Files.isDirectory(model)) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), model + ": no such model directory");
        }
        try {
            TopicFeed.Start.parse(from);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--from: " + e.getMessage());
        }
        Map<String, String> clientProperties = new LinkedHashMap<>();
        try {
            KafkaConnection.to(bootstrap)
                    .withConfigFileOrEnvironment(kafkaConfig)
                    .clientProperties()
                    .forEach((k, v) -> clientProperties.put(k.toString(), v.toString()));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        clientProperties.remove("bootstrap.servers");
        clientProperties.putAll(kafkaProperties);
        if (!clientProperties
                .getOrDefault("security.protocol", "PLAINTEXT")
                .equalsIgnoreCase("PLAINTEXT")) {
            // Refused credentials end the command here; a broker that is not up yet does not:
            // the feed keeps retrying and the page shows why.
            try {
                KafkaConnection kafka = KafkaConnection.to(bootstrap);
                for (Map.Entry<String, String> e : clientProperties.entrySet()) {
                    kafka = kafka.with(e.getKey(), e.getValue());
                }
                KafkaAccess.check(kafka, java.time.Duration.ofSeconds(10));
            } catch (KafkaAccess.KafkaAccessException e) {
                if (e.isAuthentication()) {
                    spec.commandLine().getErr().println("avfuse dashboard: " + e.getMessage());
                    return 3;
                }
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        Dashboard.Settings settings =
                new Dashboard.Settings(
                        bootstrap,
                        clientProperties,
                        predictionsTopic,
                        embeddingsTopic,
                        framesTopic,
                        from,
                        wireFormat,
                        model,
                        bind,
                        port,
                        maxStreams,
                        windowsPerStream);
        CountDownLatch stop = new CountDownLatch(1);
        Dashboard started;
        try {
            started = Dashboard.start(settings);
        } catch (java.io.IOException e) {
            // A model that does not load, or an address in use: one line, not a stack trace.
            spec.commandLine().getErr().println("avfuse dashboard: " + e.getMessage());
            return 1;
        }
        try (Dashboard dashboard = started) {
            Thread hook = new Thread(stop::countDown, "avfuse-dashboard-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            out.println(
                    "avfuse dashboard: "
                            + dashboard.url()
                            + " (reading "
                            + predictionsTopic
                            + ", "
                            + embeddingsTopic
                            + ", "
                            + framesTopic
                            + " from "
                            + bootstrap
                            + "; search "
                            + (model == null ? "off: no --model" : "with model " + model)
                            + ")");
            out.flush();
            stop.await();
        }
        return 0;
    }
}
