package io.avfuse.connectors.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.avfuse.connectors.testing.TestRecords;
import io.avfuse.schemas.DeadLetter;
import io.avfuse.schemas.TextEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Hostile bytes become dead letters with a reason and the raw bytes; nothing is thrown. */
class MalformedInputTest {
    private static final byte[] KEY = "cam".getBytes();

    static Stream<Arguments> typesAndFormats() {
        return RecordType.ALL.stream()
                .flatMap(t -> Stream.of(WireFormat.values()).map(f -> Arguments.of(t, f)));
    }

    private static <T extends SpecificRecord> RecordDecoder<T> decoder(
            RecordType<T> type, WireFormat format) {
        return new RecordDecoder<>(AvroSerde.of(type, format), 1 << 20);
    }

    private static void assertDeadLetter(DecodeResult<?> r, byte[] raw, String reasonPart) {
        assertThat(r.isOk()).as("decoded %s", HexFormat.of().formatHex(raw)).isFalse();
        DeadLetter d = r.deadLetter();
        assertThat(d.getErrorMessage()).isNotBlank().contains(reasonPart);
        assertThat(d.getErrorClass()).isNotBlank();
        assertThat(d.getSourceTopic()).isEqualTo("in");
        assertThat(d.getSourceOffset()).isEqualTo(7L);
        assertThat(d.getRawValue()).isEqualTo(ByteBuffer.wrap(raw));
        assertThat(d.getRawKey()).isEqualTo(ByteBuffer.wrap(KEY));
    }

    @ParameterizedTest
    @MethodSource("typesAndFormats")
    <T extends SpecificRecord> void randomBytesAreRejected(RecordType<T> type, WireFormat format) {
        RecordDecoder<T> decoder = decoder(type, format);
        byte[] header = AvroSerde.of(type, format).encode(TestRecords.sample(type, "s", 1));
        Random rnd = new Random(42);
        for (int i = 0; i < 2000; i++) {
            byte[] raw = new byte[rnd.nextInt(300)];
            rnd.nextBytes(raw);
            if (i % 2 == 0 && raw.length > 10) {
                // Half of them carry a valid header so the body parser sees the garbage.
                System.arraycopy(header, 0, raw, 0, format == WireFormat.CONFLUENT ? 5 : 10);
            }
            assertDeadLetter(decoder.decode("in", 0, 7, 0, KEY, raw), raw, "");
        }
    }

    @ParameterizedTest
    @MethodSource("typesAndFormats")
    <T extends SpecificRecord> void everyTruncationIsRejected(
            RecordType<T> type, WireFormat format) {
        RecordDecoder<T> decoder = decoder(type, format);
        byte[] valid = AvroSerde.of(type, format).encode(TestRecords.sample(type, "s", 3));
        assertThat(decoder.decode("in", 0, 7, 0, KEY, valid).isOk()).isTrue();
        for (int len = 0; len < valid.length; len++) {
            byte[] cut = java.util.Arrays.copyOf(valid, len);
            assertDeadLetter(decoder.decode("in", 0, 7, 0, KEY, cut), cut, "");
        }
        byte[] longer = java.util.Arrays.copyOf(valid, valid.length + 1);
        assertDeadLetter(decoder.decode("in", 0, 7, 0, KEY, longer), longer, "trailing bytes");
    }

    @ParameterizedTest
    @MethodSource("typesAndFormats")
    <T extends SpecificRecord> void bitFlipsNeverThrow(RecordType<T> type, WireFormat format) {
        RecordDecoder<T> decoder = decoder(type, format);
        byte[] valid = AvroSerde.of(type, format).encode(TestRecords.sample(type, "s", 2));
        int rejected = 0;
        for (int bit = 0; bit < valid.length * 8; bit++) {
            byte[] flipped = valid.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            DecodeResult<T> r = decoder.decode("in", 0, 7, 0, KEY, flipped);
            if (!r.isOk()) {
                rejected++;
                assertThat(r.deadLetter().getRawValue()).isEqualTo(ByteBuffer.wrap(flipped));
            }
        }
        // Every flip in the framing header must be caught; body flips may decode to other values.
        int headerBits = (format == WireFormat.CONFLUENT ? 5 : 10) * 8;
        assertThat(rejected).isGreaterThanOrEqualTo(headerBits);
    }

    @Test
    void unknownFingerprintAndUnknownIdAreNamed() {
        byte[] single =
                AvroSerde.of(RecordType.VIDEO_FRAME, WireFormat.SINGLE_OBJECT)
                        .encode(TestRecords.videoFrame("s", 0));
        single[5] ^= 0x55;
        assertDeadLetter(
                decoder(RecordType.VIDEO_FRAME, WireFormat.SINGLE_OBJECT)
                        .decode("in", 0, 7, 0, KEY, single),
                single,
                "unknown writer schema fingerprint");
        byte[] confluent =
                AvroSerde.of(RecordType.VIDEO_FRAME, WireFormat.CONFLUENT)
                        .encode(TestRecords.videoFrame("s", 0));
        confluent[4] = 99;
        assertDeadLetter(
                decoder(RecordType.VIDEO_FRAME, WireFormat.CONFLUENT)
                        .decode("in", 0, 7, 0, KEY, confluent),
                confluent,
                "unknown schema id 99");
    }

    @Test
    void emptyNullAndOversizedValuesAreRejected() {
        RecordDecoder<TextEvent> decoder =
                new RecordDecoder<>(
                        AvroSerde.of(RecordType.TEXT_EVENT, WireFormat.SINGLE_OBJECT), 64);
        assertDeadLetter(decoder.decode("in", 0, 7, 0, KEY, new byte[0]), new byte[0], "not Avro");
        DecodeResult<TextEvent> tombstone = decoder.decode("in", 0, 7, 0, KEY, null);
        assertThat(tombstone.deadLetter().getErrorMessage()).contains("tombstone");
        assertThat(tombstone.deadLetter().getRawValue()).isNull();
        byte[] big = new byte[65];
        assertDeadLetter(decoder.decode("in", 0, 7, 0, KEY, big), big, "exceeds the limit of 64");
    }

    /**
     * A dead letter must fit Kafka's default 1 MiB message limits, or the job's dead-letter sink
     * fails on it and restarts for ever (HostileInputITCase found it with a 2 MB value on an input
     * topic that allows 8 MB): raw bytes past the cap are cut, and the message says so.
     */
    @Test
    void oversizedValuesAndKeysKeepABoundedPrefixSoTheDeadLetterFitsKafka() {
        RecordDecoder<TextEvent> decoder =
                new RecordDecoder<>(
                        AvroSerde.of(RecordType.TEXT_EVENT, WireFormat.SINGLE_OBJECT), 1 << 20);
        byte[] big = new byte[3 << 20];
        new Random(1).nextBytes(big);
        byte[] bigKey = new byte[100_000];
        DeadLetter d = decoder.decode("in", 0, 7, 0, bigKey, big).deadLetter();
        assertThat(d.getErrorMessage())
                .contains("exceeds the limit")
                .contains("raw value truncated to its first 983040 of 3145728 bytes")
                .contains("raw key truncated to its first 16384 of 100000 bytes");
        assertThat(d.getRawValue())
                .isEqualTo(ByteBuffer.wrap(big, 0, DeadLetters.MAX_RAW_VALUE_BYTES));
        assertThat(d.getRawKey())
                .isEqualTo(ByteBuffer.wrap(bigKey, 0, DeadLetters.MAX_RAW_KEY_BYTES));
        byte[] encoded = AvroSerde.of(RecordType.DEAD_LETTER, WireFormat.SINGLE_OBJECT).encode(d);
        assertThat(encoded.length).isLessThan((1 << 20) - 40_000);

        // At the cap nothing is cut.
        byte[] atCap = java.util.Arrays.copyOf(big, DeadLetters.MAX_RAW_VALUE_BYTES);
        DeadLetter whole = decoder.decode("in", 0, 7, 0, KEY, atCap).deadLetter();
        assertThat(whole.getRawValue()).isEqualTo(ByteBuffer.wrap(atCap));
        assertThat(whole.getErrorMessage()).doesNotContain("truncated");
    }

    @Test
    void validButSemanticallyBrokenRecordsAreDeadLetteredAtTheValidateStage() {
        var frame = TestRecords.videoFrame("s", 0);
        frame.setHeight(7); // byte count no longer matches
        byte[] raw = AvroSerde.of(RecordType.VIDEO_FRAME, WireFormat.SINGLE_OBJECT).encode(frame);
        DecodeResult<?> r =
                decoder(RecordType.VIDEO_FRAME, WireFormat.SINGLE_OBJECT)
                        .decode("in", 0, 7, 0, KEY, raw);
        assertDeadLetter(r, raw, "needs 168 bytes, got 144");
        assertThat(r.deadLetter().getStage()).isEqualTo("validate");
    }

    /**
     * The must-reject vectors of AVRO-4304 (apache/avro share/test/data/binary-rejections.json):
     * the Avro we ship rejects each with an exception, not a hang or an OOM.
     */
    @Test
    void avro4304VectorsAreRejectedByTheAvroWeShip() {
        String[][] vectors = {
            {"\"long\"", "80808080808080808080"},
            {"\"int\"", "8080808080"},
            {"{\"type\":\"array\",\"items\":\"int\"}", "ffffffffffffffffff0102"},
            {"\"bytes\"", "01"},
            {"\"string\"", "01"},
            {"[\"null\",\"int\"]", "01"},
            {"[\"null\",\"int\"]", "0a"},
            {"{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]}", "01"},
            {"{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]}", "0a"},
        };
        for (String[] v : vectors) {
            Schema schema = new Schema.Parser().parse(v[0]);
            byte[] payload = HexFormat.of().parseHex(v[1]);
            assertThatThrownBy(
                            () ->
                                    new GenericDatumReader<Object>(schema)
                                            .read(
                                                    null,
                                                    DecoderFactory.get()
                                                            .binaryDecoder(payload, null)))
                    .as("vector %s %s", v[0], v[1])
                    .isInstanceOfAny(IOException.class, RuntimeException.class);
        }
    }

    /** The same malformations placed inside a framed TextEvent reach the dead-letter path. */
    @Test
    void avro4304MalformationsInsideARecordBecomeDeadLetters() throws IOException {
        RecordDecoder<TextEvent> decoder = decoder(RecordType.TEXT_EVENT, WireFormat.SINGLE_OBJECT);
        byte[] header =
                java.util.Arrays.copyOf(
                        AvroSerde.of(RecordType.TEXT_EVENT, WireFormat.SINGLE_OBJECT)
                                .encode(TestRecords.textEvent("s", 0)),
                        10);
        String streamId = "0273"; // "s"
        String time = hexLong(TestRecords.T0_US);
        String[] bodies = {
            "01", // streamId with length -1
            streamId + "80808080808080808080", // eventTimeUs: non-terminating varint
            streamId + time + "00" + "0a", // kind: enum index 5 of 4 symbols
            streamId + time + "00" + "01", // kind: enum index -1
            streamId + time + "00" + "02" + "00" + "0a", // features: union branch 5
            streamId + time + "00" + "02" + "00" + "01", // features: union branch -1
            streamId + time + "00" + "02" + "00" + "02" + "ffffffffffffffffff01", // map count MIN
            streamId + time + "00" + "02" + "01", // text with length -1
        };
        for (String body : bodies) {
            byte[] raw = concat(header, HexFormat.of().parseHex(body));
            assertDeadLetter(decoder.decode("in", 0, 7, 0, KEY, raw), raw, "invalid TextEvent");
        }
    }

    private static String hexLong(long v) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        enc.writeLong(v);
        enc.flush();
        return HexFormat.of().formatHex(out.toByteArray());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
