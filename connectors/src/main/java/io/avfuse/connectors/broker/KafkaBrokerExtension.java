package io.avfuse.connectors.broker;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 access to a real {@link KafkaBroker}: either one single-node broker shared by every test
 * class of the test JVM (started by the first class that needs it, stopped when the JUnit engine
 * finishes), or a cluster dedicated to one test class (stopped after that class).
 *
 * <p>Test methods and constructors may declare a {@link KafkaBroker} parameter to receive it.
 * Classes that share a broker should name their topics with {@link #uniqueTopic(String)}.
 *
 * <p>{@code @RegisterExtension static KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();}
 */
public final class KafkaBrokerExtension implements BeforeAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(KafkaBrokerExtension.class);
    private static final String SHARED_KEY = "shared-single-node-broker";
    private static final AtomicInteger TOPIC_COUNTER = new AtomicInteger();

    /** Null for the shared broker, which is always built with the defaults. */
    private final KafkaBroker.Builder dedicatedBuilder;

    private volatile KafkaBroker broker;

    private KafkaBrokerExtension(KafkaBroker.Builder dedicatedBuilder) {
        this.dedicatedBuilder = dedicatedBuilder;
    }

    /** One single-node broker per test JVM, shared by every class that registers this. */
    public static KafkaBrokerExtension shared() {
        return new KafkaBrokerExtension(null);
    }

    /** A cluster of {@code nodes} nodes for the registering class alone, closed after it. */
    public static KafkaBrokerExtension dedicated(int nodes) {
        return dedicated(KafkaBroker.builder().nodes(nodes));
    }

    /** A cluster built from {@code builder} for the registering class alone, closed after it. */
    public static KafkaBrokerExtension dedicated(KafkaBroker.Builder builder) {
        return new KafkaBrokerExtension(builder);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (dedicatedBuilder == null) {
            // The root store closes AutoCloseable values when the engine finishes; the broker's
            // own shutdown hook covers a JVM that ends any other way.
            broker =
                    context.getRoot()
                            .getStore(NAMESPACE)
                            .getOrComputeIfAbsent(
                                    SHARED_KEY,
                                    key -> KafkaBroker.builder().build().start(),
                                    KafkaBroker.class);
        } else {
            KafkaBroker dedicated = dedicatedBuilder.build().start();
            context.getStore(NAMESPACE).put(KafkaBroker.class.getName(), dedicated);
            broker = dedicated;
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == KafkaBroker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return broker();
    }

    /** The running broker; only valid once the extension's {@code beforeAll} has run. */
    public KafkaBroker broker() {
        KafkaBroker current = broker;
        if (current == null) {
            throw new IllegalStateException(
                    "no broker yet: register the extension with @RegisterExtension on a static"
                            + " field and use it from tests or @BeforeAll methods");
        }
        return current;
    }

    public String bootstrapServers() {
        return broker().bootstrapServers();
    }

    public void createTopics(int partitions, short replication, String... names) {
        broker().createTopics(partitions, replication, names);
    }

    public void createTopics(
            int partitions, short replication, Map<String, String> configs, String... names) {
        broker().createTopics(partitions, replication, configs, names);
    }

    /**
     * A topic name no other test in this JVM gets: {@code prefix}, a counter and a random suffix (a
     * kept data directory or another JVM on the same broker cannot collide either).
     */
    public String uniqueTopic(String prefix) {
        String safePrefix = prefix.replaceAll("[^a-zA-Z0-9._-]", "_");
        if (safePrefix.length() > 200) {
            safePrefix = safePrefix.substring(0, 200);
        }
        return safePrefix
                + "-"
                + TOPIC_COUNTER.incrementAndGet()
                + "-"
                + UUID.randomUUID().toString().substring(0, 8);
    }
}
