package io.avfuse.jobs.demo;

import io.avfuse.connectors.broker.KafkaBroker;
import io.avfuse.connectors.kafka.TopicNames;
import io.avfuse.jobs.dashboard.Dashboard;
import io.avfuse.jobs.train.ArchitectureOptions;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code avfuse demo}: the whole product on one machine. Starts a real Kafka broker, generates
 * labelled clips, trains a model on clips that went through Kafka and the job's own aligner, then
 * runs the fusion job on a MiniCluster (web UI on 127.0.0.1) while other clips are ingested at
 * real-time pace, printing every prediction as it is committed and a summary at the end.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        version = "avfuse demo 0.1.0",
        sortOptions = false,
        description = {
            "Runs avfuse end to end on this machine: an embedded Kafka broker, generated labelled"
                    + " clips, a model trained on them, and the fusion job on a local Flink"
                    + " MiniCluster predicting live clips ingested at real-time pace.",
            "Everything binds 127.0.0.1; nothing is downloaded."
        })
public final class DemoCommand implements Callable<Integer> {
    /** Live clips, the ingest flags that take a modality away, and their stream ids. */
    static final List<String[]> LIVE_STREAMS =
            List.of(
                    new String[] {"live-all"},
                    new String[] {"live-no-audio", "--no-audio"},
                    new String[] {"live-no-video", "--no-video"});

    @Spec CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--work-dir",
            paramLabel = "DIR",
            description = "Where clips and the model go (default: a new temporary directory).")
    Path workDir;

    @Option(
            names = "--model",
            paramLabel = "DIR",
            description = "Serve this model directory instead of training one.")
    Path model;

    @Option(
            names = "--train-clips",
            paramLabel = "N",
            defaultValue = "8",
            description = "Clips to train on (default: ${DEFAULT-VALUE}).")
    int trainClips;

    @Option(
            names = "--train-windows",
            paramLabel = "N",
            defaultValue = "48",
            description =
                    "1 s windows per training clip, a multiple of 8 (default: ${DEFAULT-VALUE}).")
    int trainWindows;

    @Option(
            names = "--epochs",
            paramLabel = "N",
            defaultValue = "20",
            description = "Most training epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Mixin ArchitectureOptions architecture = new ArchitectureOptions();

    @Option(
            names = "--live-windows",
            paramLabel = "N",
            defaultValue = "24",
            description = "1 s windows per live clip, a multiple of 8 (default: ${DEFAULT-VALUE}).")
    int liveWindows;

    @Option(
            names = "--loop",
            description = "Keep the live clips looping until Ctrl-C, then print the summary.")
    boolean loop;

    @Option(
            names = "--web-port",
            paramLabel = "PORT",
            defaultValue = "8081",
            description = "Port of Flink's web UI on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int webPort;

    @Option(
            names = "--metrics-port",
            paramLabel = "PORT",
            defaultValue = "0",
            description =
                    "Serve the job's metrics for Prometheus at http://127.0.0.1:PORT/metrics"
                            + " (deploy/prometheus scrapes 9249); 0: off (default).")
    int metricsPort;

    @Option(
            names = "--seed",
            paramLabel = "SEED",
            defaultValue = "1",
            description = "Seed of clips and training (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--dashboard",
            description =
                    "Also serve the live dashboard (avfuse dashboard) on 127.0.0.1, searching with"
                            + " the served model.")
    boolean dashboard;

    @Option(
            names = "--dashboard-port",
            paramLabel = "PORT",
            defaultValue = "8088",
            description = "Port of the dashboard with --dashboard (default: ${DEFAULT-VALUE}).")
    int dashboardPort;

    @Option(names = "--quiet", description = "Print the summary only, not every prediction.")
    boolean quiet;

    public static void main(String[] args) {
        System.exit(new CommandLine(new DemoCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        validate();
        PrintWriter out = spec.commandLine().getOut();
        Path work = workDir != null ? workDir : Files.createTempDirectory("avfuse-demo");
        Files.createDirectories(work);
        out.println("avfuse demo: working in " + work);
        out.println("[1/4] starting a Kafka broker (KRaft, 1 node, 127.0.0.1)");
        out.flush();
        try (KafkaBroker broker = KafkaBroker.builder().nodes(1).build().start()) {
            out.println("      bootstrap.servers=" + broker.bootstrapServers());
            broker.createTopics(1, (short) 1, TopicNames.defaults().all().toArray(String[]::new));
            broker.createTopics(1, (short) 1, trainingTopics().all().toArray(String[]::new));
            Path served = model;
            if (served == null) {
                served = new TrainingRun(this, out).run(broker, work);
            } else {
                out.println("[2/4] serving " + served + " (no training)");
            }
            try (Dashboard live = dashboard ? startDashboard(broker, served, out) : null) {
                return new LiveRun(this, out).run(broker, served, work);
            }
        }
    }

    /** The live dashboard over the demo's topics, searching with the served model. */
    private Dashboard startDashboard(KafkaBroker broker, Path served, PrintWriter out)
            throws java.io.IOException {
        TopicNames t = TopicNames.defaults();
        Dashboard d =
                Dashboard.start(
                        new Dashboard.Settings(
                                broker.bootstrapServers(),
                                java.util.Map.of(),
                                t.predictions(),
                                t.embeddings(),
                                t.videoFrames(),
                                "earliest",
                                io.avfuse.connectors.serde.WireFormat.SINGLE_OBJECT,
                                served,
                                "127.0.0.1",
                                dashboardPort,
                                32,
                                300));
        out.println("      live dashboard at " + d.url());
        out.flush();
        return d;
    }

    private void validate() {
        if (trainClips < 1 || epochs < 1) {
            throw bad("--train-clips and --epochs must be at least 1");
        }
        if (trainWindows < 8 || trainWindows % 8 != 0 || liveWindows < 8 || liveWindows % 8 != 0) {
            // AAC codes 1024-sample frames: at 16 kHz only whole multiples of 8 s end exactly at
            // the last video frame. Other lengths leave up to 64 ms of padding audio after the
            // clip, an extra window per pass, and looping passes that drift against the labels.
            throw bad("--train-windows and --live-windows must be multiples of 8");
        }
        if (webPort < 1 || webPort > 65_535) {
            throw bad("--web-port must be between 1 and 65535");
        }
        if (metricsPort < 0 || metricsPort > 65_535 || metricsPort == webPort) {
            throw bad("--metrics-port must be 0 (off) or a port other than --web-port");
        }
        if (dashboard
                && (dashboardPort < 1 || dashboardPort > 65_535 || dashboardPort == webPort)) {
            throw bad("--dashboard-port must be between 1 and 65535 and differ from --web-port");
        }
        if (model != null && !java.nio.file.Files.isDirectory(model)) {
            throw bad("--model " + model + ": no such directory");
        }
        if (model == null) {
            try {
                architecture.pretrained();
            } catch (IllegalArgumentException e) {
                throw bad(e.getMessage());
            }
        }
        checkWebPortFree();
    }

    /** Fails before the broker and the training start, not minutes later at the web UI. */
    private void checkWebPortFree() {
        try (java.net.ServerSocket probe =
                new java.net.ServerSocket(
                        webPort, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            probe.setReuseAddress(true);
        } catch (java.io.IOException e) {
            throw bad(
                    "port "
                            + webPort
                            + " on 127.0.0.1 is not free for Flink's web UI ("
                            + e.getMessage()
                            + "); pass another with --web-port");
        }
    }

    private CommandLine.ParameterException bad(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    static TopicNames trainingTopics() {
        return TopicNames.defaults().withPrefix("demo.train.");
    }

    static String pct(double fraction) {
        return String.format(Locale.ROOT, "%.3f", fraction);
    }
}
