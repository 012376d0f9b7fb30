package io.avfuse.connectors.kafka;

import java.io.IOException;
import java.io.Reader;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

/**
 * Where the brokers are and how to reach them. Client properties (SASL, SSL, timeouts, ...) are
 * passed to every consumer, producer and admin client untouched.
 *
 * <p>Every avfuse command reads its client properties the same way: a Java properties file named by
 * its own option ({@code --kafka-config FILE}, the jobs' {@code kafka.config-file}) or else by the
 * environment variable {@value #CONFIG_ENV}, then single {@code key=value} overrides. Keeping
 * secrets such as {@code sasl.jaas.config} in a file keeps them off command lines and out of
 * Flink's configuration.
 *
 * <p>{@code KafkaConnection.to("127.0.0.1:9092").withConfigFile(Path.of("client.properties"))}
 */
public final class KafkaConnection implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Environment variable naming the client properties file when a command is given none. */
    public static final String CONFIG_ENV = "AVFUSE_KAFKA_CONFIG";

    private final String bootstrapServers;
    private final Map<String, String> clientProperties;

    private KafkaConnection(String bootstrapServers, Map<String, String> clientProperties) {
        this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        this.clientProperties = Map.copyOf(clientProperties);
    }

    public static KafkaConnection to(String bootstrapServers) {
        return new KafkaConnection(bootstrapServers, Map.of());
    }

    /** A copy with one more client property. */
    public KafkaConnection with(String key, String value) {
        Map<String, String> copy = new LinkedHashMap<>(clientProperties);
        copy.put(key, value);
        return new KafkaConnection(bootstrapServers, copy);
    }

    /** A copy with every entry of {@code properties} added. */
    public KafkaConnection withAll(Properties properties) {
        Map<String, String> copy = new LinkedHashMap<>(clientProperties);
        properties.stringPropertyNames().forEach(k -> copy.put(k, properties.getProperty(k)));
        return new KafkaConnection(bootstrapServers, copy);
    }

    /**
     * A copy with every entry of the Java properties file {@code file} added ({@code
     * bootstrap.servers} in it is ignored: the command's own option names the brokers).
     *
     * @throws IllegalArgumentException naming the file when it cannot be read
     */
    public KafkaConnection withConfigFile(Path file) {
        return withAll(loadConfigFile(file));
    }

    /**
     * {@code explicit} when given, else the file {@value #CONFIG_ENV} names, else nothing: the
     * lookup every avfuse command does for its Kafka client properties.
     */
    public KafkaConnection withConfigFileOrEnvironment(Path explicit) {
        Optional<Path> file =
                explicit != null ? Optional.of(explicit) : configFileFromEnvironment();
        return file.map(this::withConfigFile).orElse(this);
    }

    /** The file named by {@value #CONFIG_ENV}, if the variable is set and not blank. */
    public static Optional<Path> configFileFromEnvironment() {
        String value = System.getenv(CONFIG_ENV);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(Path.of(value));
    }

    /** Reads a client properties file; the message names the file, never a value. */
    public static Properties loadConfigFile(Path file) {
        Objects.requireNonNull(file, "file");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("Kafka client config file not found: " + file);
        }
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(in);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "cannot read Kafka client config file " + file + ": " + e.getMessage(), e);
        }
        props.remove("bootstrap.servers");
        return props;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The pass-through client properties plus {@code bootstrap.servers}. */
    public Properties clientProperties() {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.setProperty("bootstrap.servers", bootstrapServers);
        return props;
    }

    /** Names of the pass-through properties, for logs: values may hold secrets. */
    @Override
    public String toString() {
        return "KafkaConnection{"
                + bootstrapServers
                + ", properties="
                + clientProperties.keySet()
                + "}";
    }
}
