package io.avfuse.connectors.serde;

import io.avfuse.connectors.testing.TestRecords;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * Run in a child JVM with a small heap by {@link HugeDeclaredLengthTest}: decodes messages that
 * declare a 1 GB {@code bytes} field and prints what became of each.
 */
public final class HugeDeclaredLengthProbe {
    static final long ONE_GB = 1L << 30;

    public static void main(String[] args) throws IOException {
        RecordDecoder<io.avfuse.schemas.VideoFrame> decoder =
                new RecordDecoder<>(
                        AvroSerde.of(RecordType.VIDEO_FRAME, WireFormat.SINGLE_OBJECT), 1 << 20);
        for (byte[] message : messages()) {
            DecodeResult<?> r = decoder.decode("av.video.frames", 0, 0, 0, null, message);
            System.out.println(
                    message.length
                            + " bytes -> "
                            + (r.isOk()
                                    ? "DECODED"
                                    : "DEAD_LETTER " + r.deadLetter().getErrorMessage()));
        }
        byte[][] all = messages();
        byte[] eight = all[all.length - 1];
        try {
            // The bare 8-byte payload read as Avro "bytes": the length alone must be refused.
            Object v =
                    new org.apache.avro.generic.GenericDatumReader<Object>(
                                    org.apache.avro.Schema.create(
                                            org.apache.avro.Schema.Type.BYTES))
                            .read(
                                    null,
                                    org.apache.avro.io.DecoderFactory.get()
                                            .binaryDecoder(eight, null));
            System.out.println("raw 8 bytes -> DECODED " + v);
        } catch (RuntimeException | IOException e) {
            System.out.println("raw 8 bytes -> REJECTED " + e.getClass().getSimpleName());
        }
        try {
            // A stream-backed decoder cannot know how much is left: only the limit protects it.
            Object v =
                    new org.apache.avro.generic.GenericDatumReader<Object>(
                                    org.apache.avro.Schema.create(
                                            org.apache.avro.Schema.Type.BYTES))
                            .read(
                                    null,
                                    org.apache.avro.io.DecoderFactory.get()
                                            .binaryDecoder(
                                                    new java.io.ByteArrayInputStream(eight), null));
            System.out.println("stream-backed 1 GB bytes -> DECODED " + v);
        } catch (RuntimeException | IOException e) {
            System.out.println(
                    "stream-backed 1 GB bytes -> REJECTED " + e.getClass().getSimpleName());
        }
        System.out.println("limits in force: " + AvroLimits.inForce());
        System.out.println("max heap " + Runtime.getRuntime().maxMemory());
    }

    static byte[][] messages() throws IOException {
        byte[] header =
                java.util.Arrays.copyOf(
                        AvroSerde.of(RecordType.VIDEO_FRAME, WireFormat.SINGLE_OBJECT)
                                .encode(TestRecords.videoFrame("s", 0)),
                        10);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(body, null);
        enc.writeString("s");
        enc.writeLong(0);
        enc.writeLong(TestRecords.T0_US);
        enc.writeInt(8);
        enc.writeInt(6);
        enc.writeEnum(3); // RGB24
        enc.writeLong(ONE_GB); // data: declares 1 GB, then nothing
        enc.flush();
        ByteArrayOutputStream framed = new ByteArrayOutputStream();
        framed.write(header);
        framed.write(body.toByteArray());

        // The bare case of the issue: 8 bytes in all, a header-less body that is only a length.
        ByteArrayOutputStream eight = new ByteArrayOutputStream();
        BinaryEncoder e2 = EncoderFactory.get().binaryEncoder(eight, null);
        e2.writeLong(ONE_GB);
        e2.flush();
        byte[] eightBytes = java.util.Arrays.copyOf(eight.toByteArray(), 8);
        return new byte[][] {framed.toByteArray(), eightBytes};
    }
}
