package io.avfuse.connectors.kafka;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Where the brokers are and how to reach them. Client properties (SASL, SSL, timeouts, ...) are
 * passed to every consumer, producer and admin client untouched.
 *
 * <p>{@code KafkaConnection.to("127.0.0.1:9092").with("security.protocol", "SASL_SSL")}
 */
public final class KafkaConnection implements Serializable {
    private static final long serialVersionUID = 1L;

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
