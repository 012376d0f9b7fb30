package io.avfuse.connectors.serde;

import io.avfuse.schemas.ReleasedSchemas;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Encodes and decodes one record type in one {@link WireFormat}, reusing its buffers. Decoding
 * resolves records written with the current schema and with every released one (by fingerprint, or
 * by id through {@link SchemaIds}), and rejects anything that is not exactly one whole record. Not
 * thread-safe: one instance per thread or Flink subtask.
 *
 * <p>{@code byte[] bytes = AvroSerde.of(RecordType.VIDEO_FRAME,
 * WireFormat.SINGLE_OBJECT).encode(frame);}
 *
 * @param <T> the generated Avro class
 */
public final class AvroSerde<T extends SpecificRecord> {
    static final byte SINGLE_OBJECT_MARKER_0 = (byte) 0xC3;
    static final byte SINGLE_OBJECT_MARKER_1 = (byte) 0x01;
    static final int SINGLE_OBJECT_HEADER = 10;
    static final byte CONFLUENT_MAGIC = 0;
    static final int CONFLUENT_HEADER = 5;

    static {
        // Before any generated class or schema is touched: Avro reads its limits once.
        AvroLimits.ensure();
    }

    private final RecordType<T> type;
    private final WireFormat format;
    private final SchemaIds ids;
    private final Schema schema;
    private final byte[] header;

    private final SpecificDatumWriter<T> writer;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
    private BinaryEncoder encoder;

    private final Map<Long, SpecificDatumReader<T>> readersByFingerprint = new HashMap<>();
    private final Map<Integer, SpecificDatumReader<T>> readersById = new HashMap<>();
    private BinaryDecoder decoder;

    private AvroSerde(RecordType<T> type, WireFormat format, SchemaIds ids) {
        this.type = type;
        this.format = format;
        this.ids = ids;
        this.schema = type.schema();
        this.writer = new SpecificDatumWriter<>(schema);
        this.header = header(format, schema, ids);
        readersByFingerprint.put(fingerprint(schema), new SpecificDatumReader<>(schema, schema));
        for (Schema released : ReleasedSchemas.of(schema.getFullName())) {
            readersByFingerprint.putIfAbsent(
                    fingerprint(released), new SpecificDatumReader<>(released, schema));
        }
    }

    /** A serde with the default schema ids ({@link SchemaIds#defaults()}). */
    public static <T extends SpecificRecord> AvroSerde<T> of(
            RecordType<T> type, WireFormat format) {
        return new AvroSerde<>(type, format, SchemaIds.defaults());
    }

    public static <T extends SpecificRecord> AvroSerde<T> of(
            RecordType<T> type, WireFormat format, SchemaIds ids) {
        return new AvroSerde<>(type, format, ids);
    }

    public RecordType<T> type() {
        return type;
    }

    public WireFormat format() {
        return format;
    }

    /** The framed bytes of {@code record}, in a new array. */
    public byte[] encode(T record) {
        out.reset();
        out.writeBytes(header);
        encoder = EncoderFactory.get().directBinaryEncoder(out, encoder);
        try {
            writer.write(record, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + type, e);
        }
        return out.toByteArray();
    }

    /**
     * Decodes exactly one record from {@code bytes}.
     *
     * @throws MalformedRecordException when the bytes are anything else: wrong framing, an unknown
     *     writer schema, a body Avro rejects, or bytes left over
     */
    public T decode(byte[] bytes) throws MalformedRecordException {
        if (bytes == null) {
            throw new MalformedRecordException("null message value (tombstone)");
        }
        SpecificDatumReader<T> reader;
        int offset;
        if (format == WireFormat.SINGLE_OBJECT) {
            if (bytes.length < SINGLE_OBJECT_HEADER
                    || bytes[0] != SINGLE_OBJECT_MARKER_0
                    || bytes[1] != SINGLE_OBJECT_MARKER_1) {
                throw new MalformedRecordException(
                        "not Avro single-object encoded (expected C3 01 and an 8-byte"
                                + " fingerprint; got "
                                + bytes.length
                                + " bytes starting "
                                + hexPrefix(bytes)
                                + ")");
            }
            long fingerprint =
                    ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            reader = readersByFingerprint.get(fingerprint);
            if (reader == null) {
                throw new MalformedRecordException(
                        "unknown writer schema fingerprint "
                                + Long.toHexString(fingerprint)
                                + " for "
                                + type
                                + " (not the current or any released schema)");
            }
            offset = SINGLE_OBJECT_HEADER;
        } else {
            if (bytes.length < CONFLUENT_HEADER || bytes[0] != CONFLUENT_MAGIC) {
                throw new MalformedRecordException(
                        "not Confluent-framed (expected magic byte 0 and a 4-byte schema id; got "
                                + bytes.length
                                + " bytes starting "
                                + hexPrefix(bytes)
                                + ")");
            }
            int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
            reader = readerForId(id);
            offset = CONFLUENT_HEADER;
        }
        decoder = DecoderFactory.get().binaryDecoder(bytes, offset, bytes.length - offset, decoder);
        T record;
        try {
            record = reader.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw new MalformedRecordException(
                    "invalid "
                            + type
                            + " body: "
                            + e.getClass().getSimpleName()
                            + ": "
                            + e.getMessage(),
                    e);
        }
        try {
            if (!decoder.isEnd()) {
                throw new MalformedRecordException(
                        "trailing bytes after a complete " + type + " record");
            }
        } catch (IOException e) {
            throw new MalformedRecordException("cannot check for trailing bytes", e);
        }
        return record;
    }

    private SpecificDatumReader<T> readerForId(int id) throws MalformedRecordException {
        SpecificDatumReader<T> reader = readersById.get(id);
        if (reader != null) {
            return reader;
        }
        Schema writerSchema = ids.schemaOf(id);
        if (writerSchema == null) {
            throw new MalformedRecordException("unknown schema id " + id + " for " + type);
        }
        if (!writerSchema.getFullName().equals(schema.getFullName())) {
            throw new MalformedRecordException(
                    "schema id " + id + " is " + writerSchema.getFullName() + ", not " + type);
        }
        reader = new SpecificDatumReader<>(writerSchema, schema);
        readersById.put(id, reader);
        return reader;
    }

    private static byte[] header(WireFormat format, Schema schema, SchemaIds ids) {
        if (format == WireFormat.SINGLE_OBJECT) {
            return ByteBuffer.allocate(SINGLE_OBJECT_HEADER)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .put(SINGLE_OBJECT_MARKER_0)
                    .put(SINGLE_OBJECT_MARKER_1)
                    .putLong(fingerprint(schema))
                    .array();
        }
        return ByteBuffer.allocate(CONFLUENT_HEADER)
                .put(CONFLUENT_MAGIC)
                .putInt(ids.idOf(schema))
                .array();
    }

    static long fingerprint(Schema schema) {
        return SchemaNormalization.parsingFingerprint64(schema);
    }

    private static String hexPrefix(byte[] bytes) {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(bytes.length, 4); i++) {
            hex.append(String.format("%02x", bytes[i]));
        }
        return hex.length() == 0 ? "(empty)" : hex.toString();
    }
}
