package io.avfuse.connectors.serde;

import org.apache.avro.specific.SpecificRecord;

/**
 * Turns every Kafka message into a {@link DecodeResult} and never throws: oversized values, bad
 * framing, bodies Avro rejects and records that fail their {@link RecordValidator} all become dead
 * letters with the reason and the raw bytes. Not thread-safe.
 *
 * <p>{@code DecodeResult<VideoFrame> r = decoder.decode(topic, partition, offset, ts, key, value);}
 *
 * @param <T> the record type
 */
public final class RecordDecoder<T extends SpecificRecord> {
    /** Kafka's default {@code max.message.bytes}; larger values are rejected before decoding. */
    public static final int DEFAULT_MAX_VALUE_BYTES = 1 << 20;

    private final AvroSerde<T> serde;
    private final int maxValueBytes;

    public RecordDecoder(AvroSerde<T> serde, int maxValueBytes) {
        this.serde = serde;
        this.maxValueBytes = maxValueBytes;
    }

    public DecodeResult<T> decode(
            String topic, int partition, long offset, long timestampMs, byte[] key, byte[] value) {
        try {
            if (value != null && value.length > maxValueBytes) {
                throw new MalformedRecordException(
                        "value of "
                                + value.length
                                + " bytes exceeds the limit of "
                                + maxValueBytes
                                + " bytes for "
                                + serde.type());
            }
            T record = serde.decode(value);
            String problem = serde.type().validator().problemWith(record);
            if (problem != null) {
                return DecodeResult.rejected(
                        DeadLetters.of(
                                topic,
                                partition,
                                offset,
                                timestampMs,
                                key,
                                value,
                                "validate",
                                RecordValidator.class.getName(),
                                serde.type() + ": " + problem));
            }
            return DecodeResult.ok(record);
        } catch (Exception | StackOverflowError e) {
            // Avro signals malformed input with IOException, AvroRuntimeException and plain
            // index errors alike; none of them may escape into the job.
            return DecodeResult.rejected(
                    DeadLetters.of(topic, partition, offset, timestampMs, key, value, "decode", e));
        }
    }

    public RecordType<T> type() {
        return serde.type();
    }
}
