package io.avfuse.connectors.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.testing.HostileRecords;
import io.avfuse.connectors.testing.HostileRecords.Category;
import io.avfuse.connectors.testing.HostileRecords.Fate;
import io.avfuse.connectors.testing.HostileRecords.Hostile;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hostile-input fuzzer against the record decoder alone: every value it says the decoder must
 * reject becomes a dead letter at the stage and with the reason it names, every value left to the
 * time guard becomes one only once the decoder has a guard (the job's), and the fuzzer is
 * deterministic for a seed.
 */
class HostileRecordsTest {
    static Stream<RecordType<?>> inputs() {
        return Stream.of(RecordType.VIDEO_FRAME, RecordType.AUDIO_CHUNK, RecordType.TEXT_EVENT);
    }

    @ParameterizedTest
    @MethodSource("inputs")
    <T extends SpecificRecord> void everyHostileValueMeetsItsDeclaredFate(RecordType<T> type) {
        RecordDecoder<T> plain =
                new RecordDecoder<>(
                        AvroSerde.of(type, WireFormat.SINGLE_OBJECT),
                        RecordDecoder.DEFAULT_MAX_VALUE_BYTES);
        // The job's default watermarks.max-future; the fuzzer's time-guard values are in 2099.
        RecordDecoder<T> guarded =
                new RecordDecoder<>(
                        AvroSerde.of(type, WireFormat.SINGLE_OBJECT),
                        RecordDecoder.DEFAULT_MAX_VALUE_BYTES,
                        EventTimeGuard.of(Duration.ofHours(1)));
        HostileRecords fuzz = new HostileRecords(7);
        List<Hostile> values = fuzz.generate(type, 10_000);
        values = new java.util.ArrayList<>(values);
        values.add(fuzz.make(type, Category.OVERSIZED_VALUE));
        if (type == RecordType.TEXT_EVENT) {
            values.add(fuzz.make(type, Category.OVERSIZED_TEXT));
        }
        Map<Category, Integer> seen = new EnumMap<>(Category.class);
        long offset = 0;
        for (Hostile h : values) {
            seen.merge(h.category(), 1, Integer::sum);
            DecodeResult<T> r = guarded.decode("in", 0, offset, 0, h.key(), h.value());
            if (h.fate() == Fate.TIME_GUARD) {
                DecodeResult<T> unguarded = plain.decode("in", 0, offset, 0, h.key(), h.value());
                assertThat(unguarded.isOk()).as("%s: %s", h, unguarded.deadLetter()).isTrue();
                assertThat(r.isOk()).as("passed the guard: %s", h).isFalse();
                assertThat(r.deadLetter().getErrorClass()).isEqualTo(EventTimeGuard.ERROR_CLASS);
            }
            offset++;
            if (h.fate() != Fate.ACCEPTED) {
                assertThat(r.isOk()).as("decoded %s", h).isFalse();
                assertThat(r.deadLetter().getStage()).as("%s", h).isEqualTo(h.stage());
                assertThat(r.deadLetter().getErrorMessage())
                        .as("%s", h)
                        .containsPattern(Pattern.compile(h.reason()));
                assertThat(r.deadLetter().getRawValue())
                        .isEqualTo(
                                h.value() == null
                                        ? null
                                        : ByteBuffer.wrap(
                                                h.value(),
                                                0,
                                                Math.min(
                                                        h.value().length,
                                                        DeadLetters.MAX_RAW_VALUE_BYTES)));
            } else {
                assertThat(r.isOk()).as("rejected %s: %s", h, r.deadLetter()).isTrue();
            }
        }
        assertThat(seen.keySet())
                .as("categories for %s", type)
                .containsAll(HostileRecords.categoriesOf(type));
        assertThat(seen.get(Category.AVRO_4304)).isGreaterThan(100);
    }

    @ParameterizedTest
    @MethodSource("inputs")
    void theSameSeedGivesTheSameValues(RecordType<?> type) {
        List<Hostile> a = new HostileRecords(3).generate(type, 500);
        List<Hostile> b = new HostileRecords(3).generate(type, 500);
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.get(i).category()).isEqualTo(b.get(i).category());
            assertThat(a.get(i).value()).as("%s", a.get(i)).isEqualTo(b.get(i).value());
        }
    }

    @Test
    void sanitisableRecordsPassTheRecordChecks() {
        HostileRecords fuzz = new HostileRecords(5);
        RecordDecoder<io.avfuse.schemas.VideoFrame> video =
                new RecordDecoder<>(
                        AvroSerde.of(RecordType.VIDEO_FRAME, WireFormat.SINGLE_OBJECT), 1 << 20);
        var vs = AvroSerde.of(RecordType.VIDEO_FRAME, WireFormat.SINGLE_OBJECT);
        long t = io.avfuse.connectors.testing.TestRecords.T0_US;
        for (int i = 0; i < 50; i++) {
            assertThat(
                            video.decode(
                                            "in",
                                            0,
                                            i,
                                            0,
                                            null,
                                            vs.encode(fuzz.corruptJpeg("s", i, t)))
                                    .isOk())
                    .isTrue();
        }
        assertThat(
                        video.decode(
                                        "in",
                                        0,
                                        0,
                                        0,
                                        null,
                                        vs.encode(fuzz.jpegBomb("s", 1, t, 16000)))
                                .isOk())
                .isTrue();
    }
}
