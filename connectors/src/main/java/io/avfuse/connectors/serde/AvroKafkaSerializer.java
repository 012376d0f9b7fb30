package io.avfuse.connectors.serde;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A plain Kafka {@link Serializer} for producers outside Flink (ingest, tools, tests).
 *
 * <p>{@code new KafkaProducer<>(props, new StringSerializer(), new
 * AvroKafkaSerializer<>(RecordType.VIDEO_FRAME, WireFormat.SINGLE_OBJECT))}
 *
 * @param <T> the record type
 */
public final class AvroKafkaSerializer<T extends SpecificRecord> implements Serializer<T> {
    private final AvroSerde<T> serde;

    public AvroKafkaSerializer(RecordType<T> type, WireFormat format) {
        this.serde = AvroSerde.of(type, format);
    }

    @Override
    public synchronized byte[] serialize(String topic, T data) {
        return data == null ? null : serde.encode(data);
    }
}
