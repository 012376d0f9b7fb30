package io.avfuse.connectors.broker;

import io.avfuse.connectors.kafka.TopicNames;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Starts a local KRaft cluster for the demo and for manual runs, creates the avfuse topics, prints
 * the bootstrap servers and runs until Ctrl-C.
 *
 * <p>{@code java -cp ... io.avfuse.connectors.broker.BrokerCommand --nodes 3 --partitions 4}
 */
@Command(
        name = "avfuse-broker",
        mixinStandardHelpOptions = true,
        version = "avfuse-broker 0.1.0",
        defaultValueProvider = BrokerCommand.TopicDefaults.class,
        description =
                "Starts a real Apache Kafka cluster (KRaft, combined broker+controller nodes, one"
                        + " JVM each, listeners on 127.0.0.1 only), creates topics, prints the"
                        + " bootstrap servers and runs until Ctrl-C.")
public final class BrokerCommand implements Callable<Integer> {
    /** How often the running command checks that its nodes are still alive. */
    private static final long WATCH_MILLIS = 1000;

    @Spec CommandSpec spec;

    @Option(
            names = "--nodes",
            paramLabel = "N",
            defaultValue = "1",
            description = "Number of KRaft nodes: 1 or 3 (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "Parent of the cluster's temporary directory (default: java.io.tmpdir).")
    Path dataDir;

    @Option(
            names = "--topics",
            split = ",",
            paramLabel = "TOPIC",
            description = "Comma-separated topics to create on start (default: the topics below).")
    List<String> topics;

    @Option(names = "--no-topics", description = "Create no topics.")
    boolean noTopics;

    @Option(
            names = "--partitions",
            paramLabel = "P",
            defaultValue = "1",
            description = "Partitions of each created topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(
            names = "--heap",
            paramLabel = "SIZE",
            defaultValue = "512m",
            description = "Maximum heap of each node's JVM (default: ${DEFAULT-VALUE}).")
    String heap;

    @Option(
            names = {"-D", "--broker-property"},
            paramLabel = "KEY=VALUE",
            description = "Extra server.properties entry for every node; repeatable.")
    Map<String, String> brokerProperties = new LinkedHashMap<>();

    @Option(
            names = "--keep-data",
            description = "Keep the data directory and node logs after exit.")
    boolean keepData;

    @Option(
            names = "--sasl-ssl",
            description =
                    "Broker listeners speak SASL_SSL with SCRAM-SHA-512 only (throwaway CA made at"
                            + " start); implied by --scram-user.")
    boolean saslSsl;

    @Option(
            names = "--scram-user",
            paramLabel = "NAME",
            description =
                    "A SCRAM-SHA-512 user with a random password (repeatable); its client settings"
                            + " are written to client-NAME.properties in the data directory, for"
                            + " --kafka-config or AVFUSE_KAFKA_CONFIG. Default with --sasl-ssl:"
                            + " avfuse.")
    List<String> scramUsers = new ArrayList<>();

    @Option(
            names = {"-v", "--verbose"},
            description = "On failure, print the failing node's log tail too.")
    boolean verbose;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command with its full help text, which lists the default topics one per line. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new BrokerCommand());
        // Listed here rather than as ${DEFAULT-VALUE}: the help wrapper breaks lines at dots.
        List<String> footer = new ArrayList<>();
        footer.add("%nDefault topics (created unless --topics or --no-topics is given):");
        TopicNames.defaults().all().forEach(topic -> footer.add("  " + topic));
        commandLine.getCommandSpec().usageMessage().footer(footer.toArray(String[]::new));
        return commandLine;
    }

    @Override
    public Integer call() {
        KafkaBroker.Builder builder = validatedBuilder();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        KafkaBroker broker = builder.build();
        try {
            broker.start();
            if (!noTopics && !topics.isEmpty()) {
                broker.createTopics(
                        partitions, (short) Math.min(nodes, 3), topics.toArray(String[]::new));
            }
        } catch (KafkaBrokerException e) {
            broker.close();
            err.println("avfuse-broker: cannot start Kafka: " + e.summary());
            if (verbose) {
                err.println(e.getMessage());
            }
            err.flush();
            return 1;
        }
        out.printf(
                "Kafka ready: bootstrap.servers=%s (%d node%s, KRaft, data in %s)%n",
                broker.bootstrapServers(), nodes, nodes == 1 ? "" : "s", broker.dataDir());
        if (!noTopics && !topics.isEmpty()) {
            out.printf("Topics (%d partition(s) each): %s%n", partitions, String.join(",", topics));
        }
        for (String user : users()) {
            Path file =
                    broker.writeClientConfig(
                            user, broker.dataDir().resolve("client-" + user + ".properties"));
            out.printf(
                    "SASL_SSL client settings for %s: %s (--kafka-config FILE, kafka.config-file=FILE"
                            + " or AVFUSE_KAFKA_CONFIG=FILE)%n",
                    user, file);
        }
        out.flush();
        // Ctrl-C runs the broker's shutdown hook, which stops the nodes; this loop only notices a
        // node that dies on its own.
        return watch(broker, err);
    }

    private KafkaBroker.Builder validatedBuilder() {
        if (nodes != 1 && nodes != 3) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--nodes must be 1 or 3 (a quorum of every node), got " + nodes);
        }
        if (partitions < 1) {
            throw new ParameterException(
                    spec.commandLine(), "--partitions must be at least 1, got " + partitions);
        }
        try {
            KafkaBroker.Builder builder =
                    KafkaBroker.builder()
                            .nodes(nodes)
                            .heap(heap)
                            .brokerProperties(brokerProperties)
                            .keepData(keepData);
            if (saslSsl || !scramUsers.isEmpty()) {
                builder.saslSsl();
                for (String user : users()) {
                    builder.scramUser(user, TlsMaterial.randomSecret());
                }
            }
            return dataDir == null ? builder : builder.dataDir(dataDir);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    private List<String> users() {
        if (!scramUsers.isEmpty()) {
            return scramUsers;
        }
        return saslSsl ? List.of("avfuse") : List.of();
    }

    private static int watch(KafkaBroker broker, PrintWriter err) {
        try {
            while (true) {
                for (int i = 0; i < broker.nodeCount(); i++) {
                    if (!broker.isNodeRunning(i) && !jvmIsExiting()) {
                        err.printf(
                                "avfuse-broker: node %d exited unexpectedly, see %s%n",
                                i, broker.logFile(i));
                        err.flush();
                        broker.close();
                        return 1;
                    }
                }
                Thread.sleep(WATCH_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            broker.close();
            return 130;
        } catch (IllegalStateException e) {
            return 0; // closed by the shutdown hook while we looked
        }
    }

    /** Whether shutdown hooks are running, i.e. the nodes are stopping because of Ctrl-C. */
    private static boolean jvmIsExiting() {
        Thread probe = new Thread(() -> {});
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }

    /** Supplies the avfuse topic names as the default of {@code --topics}. */
    static final class TopicDefaults implements CommandLine.IDefaultValueProvider {
        @Override
        public String defaultValue(ArgSpec argSpec) {
            if (argSpec instanceof OptionSpec option && option.longestName().equals("--topics")) {
                return String.join(",", TopicNames.defaults().all());
            }
            return null;
        }
    }
}
