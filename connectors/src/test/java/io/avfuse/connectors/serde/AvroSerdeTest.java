package io.avfuse.connectors.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.avfuse.connectors.testing.TestRecords;
import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.VideoFrame;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AvroSerdeTest {

    static Stream<Arguments> typesAndFormats() {
        return RecordType.ALL.stream()
                .flatMap(t -> Stream.of(WireFormat.values()).map(f -> Arguments.of(t, f)));
    }

    @ParameterizedTest
    @MethodSource("typesAndFormats")
    <T extends SpecificRecord> void roundTripsEveryRecordType(RecordType<T> type, WireFormat f)
            throws Exception {
        AvroSerde<T> serde = AvroSerde.of(type, f);
        for (int i = 0; i < 5; i++) {
            T record = TestRecords.sample(type, "cam-" + i, i);
            byte[] bytes = serde.encode(record);
            assertThat(serde.decode(bytes)).isEqualTo(record);
        }
    }

    @Test
    void singleObjectHeaderCarriesTheSchemaFingerprint() throws Exception {
        byte[] bytes =
                AvroSerde.of(RecordType.VIDEO_FRAME, WireFormat.SINGLE_OBJECT)
                        .encode(TestRecords.videoFrame("s", 0));
        assertThat(bytes[0]).isEqualTo((byte) 0xC3);
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(fingerprint).isEqualTo(AvroSerde.fingerprint(VideoFrame.getClassSchema()));
        // Avro's own single-object decoder reads what we write.
        assertThat(VideoFrame.getDecoder().decode(bytes)).isEqualTo(TestRecords.videoFrame("s", 0));
    }

    @Test
    void confluentFramingCarriesTheRegisteredId() {
        byte[] bytes =
                AvroSerde.of(RecordType.TEXT_EVENT, WireFormat.CONFLUENT)
                        .encode(TestRecords.textEvent("s", 1));
        assertThat(bytes[0]).isEqualTo((byte) 0);
        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt())
                .isEqualTo(SchemaIds.defaults().idOf(TextEvent.getClassSchema()));
    }

    @Test
    void olderWriterSchemaRegisteredUnderAnIdResolvesWithDefaults() throws Exception {
        // An older TextEvent without durationUs and features, as a registry would have it.
        Schema older =
                SchemaBuilder.record("TextEvent")
                        .namespace("io.avfuse.schemas")
                        .fields()
                        .requiredString("streamId")
                        .requiredLong("eventTimeUs")
                        .name("kind")
                        .type(TextEvent.getClassSchema().getField("kind").schema())
                        .noDefault()
                        .requiredString("text")
                        .endRecord();
        GenericRecord old = new GenericData.Record(older);
        old.put("streamId", "cam");
        old.put("eventTimeUs", TestRecords.T0_US);
        old.put("kind", new GenericData.EnumSymbol(older.getField("kind").schema(), "TRANSCRIPT"));
        old.put("text", "hello");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(new byte[] {0, 0, 0, 0, 42});
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(older).write(old, enc);
        enc.flush();

        AvroSerde<TextEvent> serde =
                AvroSerde.of(
                        RecordType.TEXT_EVENT,
                        WireFormat.CONFLUENT,
                        SchemaIds.defaults().with(42, older));
        TextEvent decoded = serde.decode(out.toByteArray());
        assertThat(decoded.getText()).isEqualTo("hello");
        assertThat(decoded.getDurationUs()).isZero();
        assertThat(decoded.getFeatures()).isNull();
    }

    @Test
    void idOfAnotherTypeIsRejected() {
        byte[] frameBytes =
                AvroSerde.of(RecordType.VIDEO_FRAME, WireFormat.CONFLUENT)
                        .encode(TestRecords.videoFrame("s", 0));
        assertThatThrownBy(
                        () ->
                                AvroSerde.of(RecordType.AUDIO_CHUNK, WireFormat.CONFLUENT)
                                        .decode(frameBytes))
                .isInstanceOf(MalformedRecordException.class)
                .hasMessageContaining("is io.avfuse.schemas.VideoFrame, not AudioChunk");
    }

    @Test
    void recordsOfOneStreamShareAKey() {
        List<String> keys =
                List.of(
                        RecordType.VIDEO_FRAME.keyOf(TestRecords.videoFrame("cam-7", 1)),
                        RecordType.AUDIO_CHUNK.keyOf(TestRecords.audioChunk("cam-7", 9)),
                        RecordType.TEXT_EVENT.keyOf(TestRecords.textEvent("cam-7", 3)),
                        RecordType.PREDICTION.keyOf(TestRecords.prediction("cam-7", 2)));
        assertThat(keys).containsOnly("cam-7");
    }
}
