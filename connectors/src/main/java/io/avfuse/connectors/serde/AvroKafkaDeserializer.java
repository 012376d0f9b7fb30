package io.avfuse.connectors.serde;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * A strict Kafka {@link Deserializer} for consumers outside Flink (dashboards, tools, tests): a
 * malformed value is a {@link SerializationException} naming the reason. Jobs use {@link
 * RecordDecoder} instead, which dead-letters.
 *
 * @param <T> the record type
 */
public final class AvroKafkaDeserializer<T extends SpecificRecord> implements Deserializer<T> {
    private final AvroSerde<T> serde;

    public AvroKafkaDeserializer(RecordType<T> type, WireFormat format) {
        this.serde = AvroSerde.of(type, format);
    }

    @Override
    public synchronized T deserialize(String topic, byte[] data) {
        try {
            return serde.decode(data);
        } catch (MalformedRecordException e) {
            throw new SerializationException(topic + ": " + e.getMessage(), e);
        }
    }
}
