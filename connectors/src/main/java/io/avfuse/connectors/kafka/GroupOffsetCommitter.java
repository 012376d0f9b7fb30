package io.avfuse.connectors.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits offsets to a consumer group that has no members (Flink's Kafka readers assign their
 * partitions themselves) through an {@link Admin} client, without blocking the caller: one request
 * at a time, so that offsets never go back, and of those asked for meanwhile only the latest.
 *
 * <p>{@code committer.commit(Map.of(tp, new OffsetAndMetadata(42)))}
 */
final class GroupOffsetCommitter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupOffsetCommitter.class);

    private final Properties adminProperties;
    private final String group;
    private Admin admin;
    private boolean inFlight;
    private Map<TopicPartition, OffsetAndMetadata> next;
    private boolean closed;

    /**
     * @param adminProperties the connection's client properties
     * @param clientId names this committer's admin client on the brokers
     */
    GroupOffsetCommitter(Properties adminProperties, String group, String clientId) {
        this.adminProperties = new Properties();
        this.adminProperties.putAll(adminProperties);
        this.adminProperties.setProperty(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        this.group = group;
    }

    /** Commits {@code offsets} once the request in flight, if any, has been answered. */
    synchronized void commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (closed || offsets.isEmpty()) {
            return;
        }
        if (inFlight) {
            next = offsets;
            return;
        }
        if (admin == null) {
            admin = Admin.create(adminProperties);
        }
        inFlight = true;
        admin.alterConsumerGroupOffsets(group, offsets)
                .all()
                .whenComplete(
                        (ignored, e) -> {
                            // As the Kafka connector does: monitoring reads these offsets, the
                            // job restores from its checkpoints, so a failure only warns.
                            if (e == null) {
                                LOG.debug("Committed offsets {} of group {}", offsets, group);
                            } else if (!isClosed()) {
                                LOG.warn(
                                        "Failed to commit offsets {} of group {}",
                                        offsets,
                                        group,
                                        e);
                            }
                            sendNext();
                        });
    }

    /** Closing aborts a request in flight: that is no failure worth a warning. */
    private synchronized boolean isClosed() {
        return closed;
    }

    private synchronized void sendNext() {
        inFlight = false;
        Map<TopicPartition, OffsetAndMetadata> offsets = next;
        next = null;
        if (offsets != null) {
            commit(offsets);
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (admin != null) {
            // A commit still in flight gets a moment; the next attempt commits again anyway.
            admin.close(Duration.ofSeconds(1));
            admin = null;
        }
    }
}
