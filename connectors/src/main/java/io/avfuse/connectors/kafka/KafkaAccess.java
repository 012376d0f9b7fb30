package io.avfuse.connectors.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Turns Kafka's authentication failures into one avfuse-level sentence, and checks up front that a
 * connection's credentials are accepted, so that a wrong password ends a command at start with that
 * sentence instead of retry loops, restarts or stack traces; and reads topics' partition counts
 * with the same properties and failures.
 *
 * <p>{@code KafkaAccess.check(connection, Duration.ofSeconds(30));}
 */
public final class KafkaAccess {
    private KafkaAccess() {}

    /**
     * A sentence naming the authentication failure in {@code error}'s cause chain, if there is one.
     * Kafka's own message (mechanism, "invalid credentials", TLS handshake reason) is kept; it
     * never holds the password.
     */
    public static Optional<String> authenticationFailure(Throwable error, KafkaConnection kafka) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof AuthenticationException auth) {
                String what =
                        auth instanceof SslAuthenticationException
                                ? "TLS handshake failed"
                                : "authentication failed";
                Properties props = kafka.clientProperties();
                return Optional.of(
                        "Kafka "
                                + what
                                + " at "
                                + kafka.bootstrapServers()
                                + " ("
                                + props.getProperty("security.protocol", "PLAINTEXT")
                                + (props.containsKey("sasl.mechanism")
                                        ? ", " + props.getProperty("sasl.mechanism")
                                        : "")
                                + "): "
                                + auth.getMessage()
                                + " - check the user and password in sasl.jaas.config and the"
                                + " trust store (the Kafka client config file, "
                                + KafkaConnection.CONFIG_ENV
                                + ")");
            }
        }
        return Optional.empty();
    }

    /**
     * Connects with {@code kafka}'s properties and asks for the cluster's nodes.
     *
     * @throws KafkaAccessException when authentication fails, or the cluster does not answer within
     *     {@code timeout}
     */
    public static void check(KafkaConnection kafka, Duration timeout) {
        ask(
                kafka,
                timeout,
                (admin, millis) ->
                        admin.describeCluster(new DescribeClusterOptions().timeoutMs(millis))
                                .nodes());
    }

    /**
     * The number of partitions of each of {@code topics}.
     *
     * @throws KafkaAccessException when a topic does not exist, authentication fails, or the
     *     cluster does not answer within {@code timeout}
     */
    public static Map<String, Integer> partitionCounts(
            KafkaConnection kafka, Collection<String> topics, Duration timeout) {
        Map<String, TopicDescription> described =
                ask(
                        kafka,
                        timeout,
                        (admin, millis) ->
                                admin.describeTopics(
                                                topics,
                                                new DescribeTopicsOptions().timeoutMs(millis))
                                        .allTopicNames());
        Map<String, Integer> counts = new HashMap<>();
        described.forEach((topic, d) -> counts.put(topic, d.partitions().size()));
        return counts;
    }

    /** One admin request with {@code kafka}'s properties, its failures turned into sentences. */
    private static <R> R ask(
            KafkaConnection kafka,
            Duration timeout,
            BiFunction<Admin, Integer, KafkaFuture<R>> request) {
        Properties props = kafka.clientProperties();
        int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        props.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(millis));
        props.putIfAbsent(
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                String.valueOf(Math.min(millis, 10_000)));
        try (Admin admin = Admin.create(props)) {
            return request.apply(admin, millis).get(millis + 1000L, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw failure(e.getCause(), kafka);
        } catch (TimeoutException e) {
            throw new KafkaAccessException(
                    "Kafka at " + kafka.bootstrapServers() + " did not answer within " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaAccessException("interrupted while connecting to Kafka");
        } catch (org.apache.kafka.common.KafkaException e) {
            throw failure(e, kafka);
        }
    }

    private static KafkaAccessException failure(Throwable cause, KafkaConnection kafka) {
        if (cause instanceof UnknownTopicOrPartitionException) {
            return new KafkaAccessException(
                    "a topic does not exist at "
                            + kafka.bootstrapServers()
                            + ": "
                            + cause.getMessage());
        }
        Optional<String> auth = authenticationFailure(cause, kafka);
        return auth.map(message -> new KafkaAccessException(message, true))
                .orElseGet(
                        () ->
                                new KafkaAccessException(
                                        "cannot reach Kafka at "
                                                + kafka.bootstrapServers()
                                                + ": "
                                                + cause.getClass().getSimpleName()
                                                + ": "
                                                + cause.getMessage()));
    }

    /** Kafka cannot be used with the given connection; the message is meant for the user. */
    public static final class KafkaAccessException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final boolean authentication;

        public KafkaAccessException(String message) {
            this(message, false);
        }

        public KafkaAccessException(String message, boolean authentication) {
            super(message);
            this.authentication = authentication;
        }

        /** Whether the broker answered and refused the credentials or the TLS handshake. */
        public boolean isAuthentication() {
            return authentication;
        }
    }
}
