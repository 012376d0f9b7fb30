package io.avfuse.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.serde.AvroSerde;
import io.avfuse.connectors.serde.EventTimeGuard;
import io.avfuse.connectors.serde.RecordDecoder;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.SchemaIds;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.connectors.testing.TestRecords;
import io.avfuse.schemas.DeadLetter;
import io.avfuse.schemas.TextEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.flink.types.Either;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * The Kafka entry point: a future-stamped value leaves the source as its own bytes, with
 * coordinates.
 */
class DeadLetteringDeserializationSchemaTest {
    private static ConsumerRecord<byte[], byte[]> message(long offset, long ts, byte[] value) {
        byte[] key = "cam-7".getBytes(StandardCharsets.UTF_8);
        return new ConsumerRecord<>(
                "av.text.events",
                2,
                offset,
                ts,
                TimestampType.CREATE_TIME,
                key.length,
                value.length,
                key,
                value,
                new RecordHeaders(),
                Optional.empty());
    }

    @Test
    void aValueStampedBeyondMaxFutureLeavesAsADeadLetterOfItsBytes() {
        var schema =
                new DeadLetteringDeserializationSchema<>(
                        RecordType.TEXT_EVENT,
                        WireFormat.SINGLE_OBJECT,
                        SchemaIds.defaults(),
                        RecordDecoder.DEFAULT_MAX_VALUE_BYTES,
                        EventTimeGuard.of(Duration.ofHours(1)));
        AvroSerde<TextEvent> serde = AvroSerde.of(RecordType.TEXT_EVENT, WireFormat.SINGLE_OBJECT);
        long nowUs = System.currentTimeMillis() * 1000;
        TextEvent future = TestRecords.textEvent("cam-7", 3);
        future.setEventTimeUs(nowUs + 2 * 3_600_000_000L);
        TextEvent present = TestRecords.textEvent("cam-7", 5);
        present.setEventTimeUs(nowUs);
        byte[] raw = serde.encode(future);

        List<Either<DeadLetter, TextEvent>> out = new ArrayList<>();
        schema.deserialize(message(17, 1_700_000_000_123L, raw), new ListCollector<>(out));
        schema.deserialize(
                message(18, 1_700_000_000_124L, serde.encode(present)), new ListCollector<>(out));

        assertThat(out).hasSize(2);
        assertThat(out.get(0).isLeft()).isTrue();
        DeadLetter d = out.get(0).left();
        assertThat(d.getRawValue()).isEqualTo(ByteBuffer.wrap(raw));
        assertThat(d.getSourceTopic()).isEqualTo("av.text.events");
        assertThat(d.getSourcePartition()).isEqualTo(2);
        assertThat(d.getSourceOffset()).isEqualTo(17L);
        assertThat(d.getSourceTimestampMs()).isEqualTo(1_700_000_000_123L);
        assertThat(d.getErrorMessage())
                .isEqualTo(
                        "event time "
                                + future.getEventTimeUs()
                                + " µs is more than 3600 s ahead of the wall clock");
        assertThat(out.get(1).isRight()).isTrue();
        assertThat(out.get(1).right()).isEqualTo(present);
    }
}
