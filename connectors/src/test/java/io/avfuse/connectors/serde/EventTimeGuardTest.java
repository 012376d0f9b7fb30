package io.avfuse.connectors.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.avfuse.connectors.testing.TestRecords;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.DeadLetter;
import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.VideoFrame;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.function.LongFunction;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The decoder's wall-clock bound: a record stamped beyond it becomes a dead letter holding exactly
 * the bytes received and where they came from; a record at the bound is decoded.
 */
class EventTimeGuardTest {
    private static final long NOW_US = TestRecords.T0_US + 123_000; // whole milliseconds
    private static final Clock NOW =
            Clock.fixed(Instant.ofEpochMilli(NOW_US / 1000), ZoneOffset.UTC);
    private static final long HOUR_US = 3_600_000_000L;
    private static final byte[] KEY = "cam-7".getBytes(StandardCharsets.UTF_8);

    /** Each input type with a record of it stamped at a given time, in its own time field. */
    static Stream<Arguments> inputs() {
        LongFunction<VideoFrame> frame =
                t -> {
                    VideoFrame f = TestRecords.videoFrame("cam-7", 3);
                    f.setEventTimeUs(t);
                    return f;
                };
        LongFunction<AudioChunk> chunk =
                t -> {
                    AudioChunk c = TestRecords.audioChunk("cam-7", 3);
                    c.setStartTimeUs(t);
                    return c;
                };
        LongFunction<TextEvent> text =
                t -> {
                    TextEvent e = TestRecords.textEvent("cam-7", 3); // with two features
                    e.setEventTimeUs(t);
                    return e;
                };
        return Stream.of(
                Arguments.of(RecordType.VIDEO_FRAME, frame),
                Arguments.of(RecordType.AUDIO_CHUNK, chunk),
                Arguments.of(RecordType.TEXT_EVENT, text));
    }

    private static <T extends SpecificRecord> RecordDecoder<T> guarded(RecordType<T> type) {
        return new RecordDecoder<>(
                AvroSerde.of(type, WireFormat.SINGLE_OBJECT),
                RecordDecoder.DEFAULT_MAX_VALUE_BYTES,
                EventTimeGuard.of(Duration.ofHours(1), NOW));
    }

    private static <T extends SpecificRecord> byte[] encode(RecordType<T> type, T record) {
        return AvroSerde.of(type, WireFormat.SINGLE_OBJECT).encode(record);
    }

    @ParameterizedTest
    @MethodSource("inputs")
    <T extends SpecificRecord> void aRecordStampedPastTheBoundIsADeadLetterOfTheBytesReceived(
            RecordType<T> type, LongFunction<T> stampedAt) {
        long early = NOW_US + HOUR_US + 1;
        byte[] raw = encode(type, stampedAt.apply(early));

        DecodeResult<T> r = guarded(type).decode("av.in", 2, 41L, 1_767_225_601_000L, KEY, raw);

        assertThat(r.isOk()).isFalse();
        DeadLetter d = r.deadLetter();
        assertThat(d.getRawValue()).isEqualTo(ByteBuffer.wrap(raw));
        assertThat(d.getRawKey()).isEqualTo(ByteBuffer.wrap(KEY));
        assertThat(d.getSourceTopic()).isEqualTo("av.in");
        assertThat(d.getSourcePartition()).isEqualTo(2);
        assertThat(d.getSourceOffset()).isEqualTo(41L);
        assertThat(d.getSourceTimestampMs()).isEqualTo(1_767_225_601_000L);
        assertThat(d.getStage()).isEqualTo("validate");
        assertThat(d.getErrorClass()).isEqualTo(EventTimeGuard.ERROR_CLASS);
        assertThat(d.getErrorMessage())
                .isEqualTo(
                        "event time " + early + " µs is more than 3600 s ahead of the wall clock");
    }

    @ParameterizedTest
    @MethodSource("inputs")
    <T extends SpecificRecord> void aRecordAtTheBoundOrBehindTheClockIsDecoded(
            RecordType<T> type, LongFunction<T> stampedAt) {
        RecordDecoder<T> decoder = guarded(type);
        for (long t : new long[] {NOW_US + HOUR_US, NOW_US, NOW_US - 30 * 24 * HOUR_US}) {
            T record = stampedAt.apply(t);
            DecodeResult<T> r = decoder.decode("av.in", 0, 1, 0, KEY, encode(type, record));
            assertThat(r.isOk()).as("%s at %d: %s", type, t, r.deadLetter()).isTrue();
            assertThat(r.record()).isEqualTo(record);
        }
    }

    @Test
    void theBytesAreTheOnesReceivedNotAReEncoding() throws Exception {
        // A text event whose features the producer wrote as (speed, count): decoding gives a map
        // that re-encodes as (count, speed), so only the received bytes can be exact.
        TextEvent e = TestRecords.textEvent("cam-7", 3);
        e.setEventTimeUs(NOW_US + 2 * HOUR_US);
        AvroSerde<TextEvent> serde = AvroSerde.of(RecordType.TEXT_EVENT, WireFormat.SINGLE_OBJECT);
        byte[] raw = serde.encode(e);
        assertThat(serde.encode(serde.decode(raw)))
                .as("precondition: a re-encoding differs from the bytes sent")
                .isNotEqualTo(raw);

        DeadLetter d = guarded(RecordType.TEXT_EVENT).decode("t", 0, 9, 0, KEY, raw).deadLetter();

        assertThat(d.getRawValue()).isEqualTo(ByteBuffer.wrap(raw));
    }

    @Test
    void theRecordChecksComeFirst() {
        // After 2100 and far beyond the wall clock: the decoder's own range check names it.
        VideoFrame f = TestRecords.videoFrame("cam-7", 1);
        f.setEventTimeUs(RecordValidators.MAX_EVENT_TIME_US + 1);
        DeadLetter d =
                guarded(RecordType.VIDEO_FRAME)
                        .decode("v", 0, 0, 0, KEY, encode(RecordType.VIDEO_FRAME, f))
                        .deadLetter();
        assertThat(d.getErrorClass()).isEqualTo(RecordValidator.class.getName());
        assertThat(d.getErrorMessage()).contains("outside years 2000-2100");
    }

    @Test
    void withoutAGuardAFutureRecordIsDecoded() {
        VideoFrame f = TestRecords.videoFrame("cam-7", 1);
        f.setEventTimeUs(System.currentTimeMillis() * 1000 + 100 * 24 * HOUR_US);
        RecordDecoder<VideoFrame> plain =
                new RecordDecoder<>(
                        AvroSerde.of(RecordType.VIDEO_FRAME, WireFormat.SINGLE_OBJECT), 1 << 20);
        assertThat(plain.decode("v", 0, 0, 0, KEY, encode(RecordType.VIDEO_FRAME, f)).isOk())
                .isTrue();
    }

    @Test
    void onlyTypesWithOneEventTimeCanBeGuarded() {
        assertThatThrownBy(() -> guarded(RecordType.PREDICTION))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Prediction has no event time");
        assertThatThrownBy(() -> EventTimeGuard.of(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
