package io.avfuse.connectors.kafka;

import io.avfuse.connectors.serde.AvroSerde;
import io.avfuse.connectors.serde.DecodeResult;
import io.avfuse.connectors.serde.EventTimeGuard;
import io.avfuse.connectors.serde.RecordDecoder;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.SchemaIds;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.schemas.DeadLetter;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes Kafka records into {@code Either.Right(record)} or, for anything unusable (including,
 * with an {@link EventTimeGuard}, records stamped too far ahead of the wall clock), {@code
 * Either.Left(deadLetter)}; it never throws, so a bad message cannot fail the source. Counts
 * records, dead letters and bytes in the {@code avfuse.decode.<RecordType>} metric group.
 *
 * @param <T> the record type
 */
public final class DeadLetteringDeserializationSchema<T extends SpecificRecordBase>
        implements KafkaRecordDeserializationSchema<Either<DeadLetter, T>> {
    private static final long serialVersionUID = 1L;

    private final RecordType<T> type;
    private final WireFormat format;
    private final SchemaIds ids;
    private final int maxValueBytes;
    private final EventTimeGuard guard;

    private transient RecordDecoder<T> decoder;
    private transient Counter decoded;
    private transient Counter deadLetters;
    private transient Counter bytesIn;

    /**
     * @param guard the wall-clock bound on event times; null for none
     */
    public DeadLetteringDeserializationSchema(
            RecordType<T> type,
            WireFormat format,
            SchemaIds ids,
            int maxValueBytes,
            EventTimeGuard guard) {
        this.type = type;
        this.format = format;
        this.ids = ids;
        this.maxValueBytes = maxValueBytes;
        this.guard = guard;
    }

    private RecordDecoder<T> newDecoder() {
        return new RecordDecoder<>(AvroSerde.of(type, format, ids), maxValueBytes, guard);
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        decoder = newDecoder();
        MetricGroup group =
                context.getMetricGroup()
                        .addGroup("avfuse")
                        .addGroup("decode")
                        .addGroup("record", type.name());
        decoded = group.counter("recordsDecoded");
        deadLetters = group.counter("deadLetters");
        bytesIn = group.counter("bytesIn");
    }

    @Override
    public void deserialize(
            ConsumerRecord<byte[], byte[]> message, Collector<Either<DeadLetter, T>> out) {
        if (decoder == null) {
            // Flink always opens the schema; this keeps direct callers (tools, tests) safe too.
            decoder = newDecoder();
        }
        byte[] value = message.value();
        if (bytesIn != null && value != null) {
            bytesIn.inc(value.length);
        }
        DecodeResult<T> result =
                decoder.decode(
                        message.topic(),
                        message.partition(),
                        message.offset(),
                        message.timestamp(),
                        message.key(),
                        value);
        if (result.isOk()) {
            if (decoded != null) {
                decoded.inc();
            }
            out.collect(Either.Right(result.record()));
        } else {
            if (deadLetters != null) {
                deadLetters.inc();
            }
            out.collect(Either.Left(result.deadLetter()));
        }
    }

    @Override
    public TypeInformation<Either<DeadLetter, T>> getProducedType() {
        return new EitherTypeInfo<>(
                new AvroTypeInfo<>(DeadLetter.class), new AvroTypeInfo<>(type.recordClass()));
    }
}
