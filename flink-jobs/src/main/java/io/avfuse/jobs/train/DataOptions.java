package io.avfuse.jobs.train;

import io.avfuse.connectors.broker.KafkaBroker;
import io.avfuse.connectors.kafka.KafkaConnection;
import io.avfuse.connectors.kafka.TopicNames;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * Where {@code train} and {@code evaluate} take labelled windows from: a saved dataset, an aligned
 * topic recorded by a running job (with the clips' label files), or benchmark clips generated and
 * recorded through an embedded broker and the job's aligner on the spot.
 */
public final class DataOptions {
    @Option(
            names = "--dataset",
            paramLabel = "DIR",
            description = "Read labelled windows saved by --save-dataset.")
    Path dataset;

    @Option(
            names = "--aligned-topic",
            paramLabel = "TOPIC",
            description =
                    "Read windows recorded on this aligned topic (needs --bootstrap-servers and"
                            + " --labels).")
    String alignedTopic;

    @Option(
            names = "--bootstrap-servers",
            paramLabel = "HOST:PORT",
            description = "Kafka of --aligned-topic.")
    String bootstrap;

    @Option(
            names = "--kafka-config",
            paramLabel = "FILE",
            description =
                    "Kafka client properties file for --aligned-topic (security.protocol, sasl.*,"
                            + " ssl.*); default: the file $AVFUSE_KAFKA_CONFIG names.")
    Path kafkaConfig;

    @Option(
            names = "--labels",
            paramLabel = "DIR",
            description =
                    "The <stream>.labels.json files 'avfuse generate' wrote for the recorded"
                            + " streams.")
    Path labels;

    @Option(
            names = "--clips",
            paramLabel = "N",
            defaultValue = "8",
            description =
                    "Otherwise: generate N benchmark clips and record them (default:"
                            + " ${DEFAULT-VALUE}).")
    int clips;

    @Option(
            names = "--windows",
            paramLabel = "N",
            defaultValue = "48",
            description =
                    "1 s windows per generated clip, a multiple of 8 (default: ${DEFAULT-VALUE}).")
    int windows;

    @Option(
            names = "--data-seed",
            paramLabel = "SEED",
            description = "Seed of the generated clips (default: the command's own).")
    Long dataSeed;

    @Option(
            names = "--save-dataset",
            paramLabel = "DIR",
            description = "Also save the labelled windows there, for later runs.")
    Path saveDataset;

    /** Throws IllegalArgumentException with the option at fault. */
    void validate() {
        if (alignedTopic != null && (bootstrap == null || labels == null)) {
            throw new IllegalArgumentException(
                    "--aligned-topic needs --bootstrap-servers and --labels");
        }
        if (dataset != null && alignedTopic != null) {
            throw new IllegalArgumentException("give --dataset or --aligned-topic, not both");
        }
        if (dataset != null && !Files.isDirectory(dataset)) {
            throw new IllegalArgumentException("--dataset " + dataset + ": no such directory");
        }
        if (clips < 1 || windows < 8 || windows % 8 != 0) {
            // AAC frames: only whole multiples of 8 s end exactly at the last video frame.
            throw new IllegalArgumentException(
                    "--clips must be at least 1 and --windows a multiple of 8");
        }
    }

    LabelledWindows load(Path work, long defaultSeed, PrintWriter out) throws Exception {
        LabelledWindows data;
        if (dataset != null) {
            data = LabelledWindows.read(dataset);
            out.printf("read %d labelled windows from %s%n", data.size(), dataset);
        } else if (alignedTopic != null) {
            data =
                    ClipRecording.fromTopic(
                            KafkaConnection.to(bootstrap).withConfigFileOrEnvironment(kafkaConfig),
                            alignedTopic,
                            labels,
                            Duration.ofMinutes(2));
            out.printf(
                    "read %d labelled windows from topic %s at %s%n",
                    data.size(), alignedTopic, bootstrap);
        } else {
            long seed = dataSeed != null ? dataSeed : defaultSeed;
            out.println("recording benchmark clips through an embedded Kafka broker (127.0.0.1)");
            out.flush();
            try (KafkaBroker broker = KafkaBroker.builder().nodes(1).build().start()) {
                TopicNames topics = TopicNames.defaults().withPrefix("record.");
                broker.createTopics(1, (short) 1, topics.all().toArray(String[]::new));
                data =
                        new ClipRecording(out)
                                .record(
                                        broker.bootstrapServers(),
                                        topics,
                                        work.resolve("clips"),
                                        clips,
                                        windows,
                                        seed);
            }
        }
        if (data.size() < 4) {
            throw new IllegalArgumentException("only " + data.size() + " labelled windows");
        }
        if (saveDataset != null) {
            data.write(saveDataset);
            out.println("saved the dataset to " + saveDataset);
        }
        out.flush();
        return data;
    }
}
