package io.avfuse.jobs.swap;

import io.avfuse.connectors.kafka.KafkaConnection;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Announcements on a Kafka control topic: each record's value is a model directory (or JSON {@code
 * {"dir": ..., "version": ...}}); the newest record (by timestamp) is the model to serve.
 *
 * <p>A plain consumer with every partition assigned and no consumer group, so that every inference
 * subtask reads every announcement (a group would split them). It reads the topic from the
 * beginning: the first poll reports the newest announcement the topic already holds, so a job
 * started (or restored) after an announcement still serves the announced model, as a Kafka Connect
 * worker follows its config topic. Committed records only.
 *
 * <p>{@code try (var feed = new ControlTopicFeed(kafka, "av.models")) { feed.poll(wait); }}
 */
public final class ControlTopicFeed implements AnnouncementFeed {
    private static final Logger LOG = LoggerFactory.getLogger(ControlTopicFeed.class);

    private final String topic;
    private final KafkaConsumer<String, String> consumer;
    private boolean assigned;
    private boolean warnedMissing;

    public ControlTopicFeed(KafkaConnection kafka, String topic) {
        this.topic = topic;
        Properties p = new Properties();
        p.putAll(kafka.clientProperties());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(
                ConsumerConfig.CLIENT_ID_CONFIG,
                "avfuse-model-control-" + System.identityHashCode(this));
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        this.consumer = new KafkaConsumer<>(p);
    }

    @Override
    public Optional<ModelAnnouncement> poll(Duration wait) {
        if (!assigned && !assign(wait)) {
            return Optional.empty();
        }
        ConsumerRecord<String, String> newest = null;
        // Drain what is there, so a backlog reports only its newest announcement.
        ConsumerRecords<String, String> records = consumer.poll(wait);
        while (!records.isEmpty()) {
            for (ConsumerRecord<String, String> r : records) {
                if (newest == null || r.timestamp() >= newest.timestamp()) {
                    newest = r;
                }
            }
            records = consumer.poll(Duration.ZERO);
        }
        if (newest == null) {
            return Optional.empty();
        }
        String origin =
                "control topic "
                        + topic
                        + " partition "
                        + newest.partition()
                        + " offset "
                        + newest.offset();
        return Optional.of(ModelAnnouncement.parse(newest.value(), origin));
    }

    private boolean assign(Duration wait) {
        List<TopicPartition> partitions =
                consumer.partitionsFor(topic, wait.plusSeconds(5)).stream()
                        .map(i -> new TopicPartition(topic, i.partition()))
                        .toList();
        if (partitions.isEmpty()) {
            if (!warnedMissing) {
                LOG.warn(
                        "model control topic '{}' does not exist (yet): no announcements until it does",
                        topic);
                warnedMissing = true;
            }
            return false;
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        assigned = true;
        return true;
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(1));
    }
}
