package io.avfuse.connectors.serde;

import org.apache.avro.specific.SpecificRecord;

/**
 * Turns every Kafka message into a {@link DecodeResult} and never throws: oversized values, bad
 * framing, bodies Avro rejects, records that fail their {@link RecordValidator} and, when given an
 * {@link EventTimeGuard}, records stamped too far ahead of the wall clock all become dead letters
 * with the reason and the raw bytes. Not thread-safe.
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
    private final EventTimeGuard guard;

    public RecordDecoder(AvroSerde<T> serde, int maxValueBytes) {
        this(serde, maxValueBytes, null);
    }

    /**
     * @param guard the wall-clock bound on event times; null for none (and for types without one
     *     event time)
     */
    public RecordDecoder(AvroSerde<T> serde, int maxValueBytes, EventTimeGuard guard) {
        if (guard != null && !serde.type().hasEventTime()) {
            throw new IllegalArgumentException(serde.type() + " has no event time to guard");
        }
        this.serde = serde;
        this.maxValueBytes = maxValueBytes;
        this.guard = guard;
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
            String errorClass = RecordValidator.class.getName();
            String problem = serde.type().validator().problemWith(record);
            if (problem != null) {
                problem = serde.type() + ": " + problem;
            } else if (guard != null) {
                errorClass = EventTimeGuard.ERROR_CLASS;
                problem = guard.problemWith(serde.type().eventTimeUs(record));
            }
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
                                errorClass,
                                problem));
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
