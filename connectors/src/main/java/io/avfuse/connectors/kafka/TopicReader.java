package io.avfuse.connectors.kafka;

import io.avfuse.connectors.serde.AvroSerde;
import io.avfuse.connectors.serde.MalformedRecordException;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.WireFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads what a topic holds now, from its beginning to its current end: the last stable offset with
 * {@code read_committed}, so an exactly-once job's output can be checked or recorded.
 *
 * <p>{@code List<Prediction> p = TopicReader.readAll(bootstrap, "av.predictions",
 * RecordType.PREDICTION, Duration.ofSeconds(30));}
 */
public final class TopicReader {
    private TopicReader() {}

    /** Consumer settings for byte records from the earliest offset, without committing any. */
    public static Properties consumerProperties(String bootstrap, boolean readCommitted) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                readCommitted ? "read_committed" : "read_uncommitted");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return p;
    }

    /**
     * Every record of {@code topic} up to its current end.
     *
     * @throws IllegalStateException when the end is not reached within {@code timeout}
     */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(
            String bootstrap, String topic, boolean readCommitted, Duration timeout) {
        return readAll(KafkaConnection.to(bootstrap), topic, readCommitted, timeout);
    }

    /** Consumer settings as above, with {@code kafka}'s client properties (SASL, SSL, ...). */
    public static Properties consumerProperties(KafkaConnection kafka, boolean readCommitted) {
        Properties p = consumerProperties(kafka.bootstrapServers(), readCommitted);
        p.putAll(kafka.clientProperties());
        return p;
    }

    /** Every record of {@code topic} up to its current end, through {@code kafka}. */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(
            KafkaConnection kafka, String topic, boolean readCommitted, Duration timeout) {
        Properties p = consumerProperties(kafka, readCommitted);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "avfuse-reader-" + UUID.randomUUID());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                            .map(i -> new TopicPartition(topic, i.partition()))
                            .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "did not reach the end of "
                                    + topic
                                    + " in "
                                    + timeout
                                    + "; read "
                                    + records.size());
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }

    /** Every committed record of {@code topic}, decoded (Avro single-object encoding). */
    public static <T extends SpecificRecord> List<T> readAll(
            String bootstrap, String topic, RecordType<T> type, Duration timeout)
            throws MalformedRecordException {
        return readAll(KafkaConnection.to(bootstrap), topic, type, timeout);
    }

    /** Every committed record of {@code topic}, decoded, read through {@code kafka}. */
    public static <T extends SpecificRecord> List<T> readAll(
            KafkaConnection kafka, String topic, RecordType<T> type, Duration timeout)
            throws MalformedRecordException {
        AvroSerde<T> serde = AvroSerde.of(type, WireFormat.SINGLE_OBJECT);
        List<T> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(kafka, topic, true, timeout)) {
            out.add(serde.decode(r.value()));
        }
        return out;
    }
}
