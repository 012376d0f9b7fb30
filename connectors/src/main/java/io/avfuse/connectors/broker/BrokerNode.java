package io.avfuse.connectors.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * One KRaft node (combined broker and controller) in its own JVM. The node's id is its index in the
 * cluster; its ports and directory stay the same across restarts.
 */
final class BrokerNode {
    static final String KAFKA_MAIN = "kafka.Kafka";
    static final String STORAGE_TOOL_MAIN = "kafka.tools.StorageTool";
    private static final int LOG_TAIL_LINES = 40;

    private final int id;
    private final Path dir;
    private final int brokerPort;
    private final int controllerPort;
    private Process process;

    BrokerNode(int id, Path dir, int brokerPort, int controllerPort) {
        this.id = id;
        this.dir = dir;
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
    }

    int id() {
        return id;
    }

    int brokerPort() {
        return brokerPort;
    }

    int controllerPort() {
        return controllerPort;
    }

    Path dir() {
        return dir;
    }

    Path logFile() {
        return dir.resolve("kafka.log");
    }

    private Path configFile() {
        return dir.resolve("server.properties");
    }

    Path dataDir() {
        return dir.resolve("data");
    }

    void writeConfig(Map<String, String> properties) {
        Properties props = new Properties();
        props.putAll(new TreeMap<>(properties));
        try {
            Files.createDirectories(dataDir());
            try (Writer out = Files.newBufferedWriter(configFile(), StandardCharsets.UTF_8)) {
                props.store(
                        out, "KRaft node " + id + ", written by " + KafkaBroker.class.getName());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the config of node " + id, e);
        }
    }

    /**
     * Starts formatting this node's log dir; the caller waits for the returned process and then
     * deletes {@link #formatArgFile()}. {@code extraArgs} (SCRAM users with their passwords) go
     * through that owner-only argument file, so they never show in a process listing.
     */
    Process startFormat(ChildJvm jvm, String clusterId, List<String> extraArgs) throws IOException {
        List<String> args = new java.util.ArrayList<>();
        args.addAll(
                List.of(
                        "format",
                        "--cluster-id",
                        clusterId,
                        "--config",
                        configFile().toString(),
                        "--ignore-formatted"));
        args.addAll(extraArgs);
        return extraArgs.isEmpty()
                ? jvm.launch(STORAGE_TOOL_MAIN, args, dir, logFile())
                : jvm.launchWithArgFile(STORAGE_TOOL_MAIN, args, dir, logFile(), formatArgFile());
    }

    Path formatArgFile() {
        return dir.resolve("format.args");
    }

    synchronized void start(ChildJvm jvm) {
        if (isRunning()) {
            throw new IllegalStateException("node " + id + " is already running");
        }
        try {
            process = jvm.launch(KAFKA_MAIN, List.of(configFile().toString()), dir, logFile());
        } catch (IOException e) {
            throw new KafkaBrokerException("cannot start the JVM of node " + id + ": " + e, e);
        }
    }

    /** Whether the broker listener takes TCP connections (it may not serve requests yet). */
    boolean acceptsConnections() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(KafkaBroker.LOOPBACK, brokerPort), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** The pid of the node's current or last process; -1 if it never ran. */
    synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    synchronized Process process() {
        return process;
    }

    /** Kills the node like a crash (SIGKILL): no controlled shutdown, no leadership hand-over. */
    synchronized void kill(Duration timeout) {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        if (!waitFor(timeout)) {
            throw new KafkaBrokerException(
                    "node " + id + " (pid " + process.pid() + ") did not exit within " + timeout);
        }
    }

    /** Asks for a clean shutdown (SIGTERM) without waiting; see {@link #awaitExit}. */
    synchronized void requestStop() {
        if (process != null && process.isAlive()) {
            process.destroy();
        }
    }

    /** Whether the process ended within {@code timeout}. */
    synchronized boolean awaitExit(Duration timeout) {
        return process == null || waitFor(timeout);
    }

    private boolean waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    String describeExit() {
        Process p = process();
        if (p == null) {
            return "node " + id + " never started";
        }
        return p.isAlive()
                ? "node " + id + " (pid " + p.pid() + ") is running"
                : "node " + id + " (pid " + p.pid() + ") exited with code " + p.exitValue();
    }

    String logTail() {
        return "--- last lines of "
                + logFile()
                + " ---\n"
                + ChildJvm.tail(logFile(), LOG_TAIL_LINES);
    }
}
