package io.avfuse.connectors.testing;

import io.avfuse.connectors.serde.AvroSerde;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.FrameEncoding;
import io.avfuse.schemas.SampleFormat;
import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.VideoFrame;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificRecord;

/**
 * A seeded, deterministic fuzzer of hostile Kafka values for the three input topics (single-object
 * wire format). Every value it returns comes with what must become of it: a dead letter at stage
 * {@code decode} or {@code validate} with a reason matching {@link Hostile#reason()}, or, for
 * {@link Fate#ACCEPTED}, nothing (the record is usable and the job sanitises it). Structural
 * mutations (random bodies, bit flips, truncations) are kept only when an independent oracle,
 * Avro's own {@link GenericDatumReader} over the writer schema plus an end-of-input check, rejects
 * them too, so a mutant that happens to be a valid record never counts as "must be rejected".
 *
 * <p>{@code List<Hostile> bad = new HostileRecords(42).generate(RecordType.VIDEO_FRAME, 10_000);}
 */
public final class HostileRecords {
    /** What kind of damage a value carries. */
    public enum Category {
        RANDOM_BYTES,
        RANDOM_BODY,
        BIT_FLIP,
        TRUNCATION,
        TRAILING_BYTES,
        EMPTY_VALUE,
        TOMBSTONE,
        UNKNOWN_FINGERPRINT,
        WRONG_RECORD_TYPE,
        CONFLUENT_FRAMING,
        /** AVRO-4304 must-reject vectors inside a framed record. */
        AVRO_4304,
        OVERSIZED_VALUE,
        EMPTY_STREAM_ID,
        NEGATIVE_INDEX,
        TIME_FAR_PAST,
        TIME_FAR_FUTURE,
        /** Inside years 2000-2100 but in 2099, ahead of the wall clock: the job's time guard. */
        TIME_AHEAD_OF_CLOCK,
        WRONG_FRAME_SIZE,
        BAD_DIMENSIONS,
        EMPTY_IMAGE,
        UNKNOWN_ENCODING,
        ABSURD_SAMPLE_RATE,
        BAD_CHANNELS,
        UNKNOWN_SAMPLE_FORMAT,
        ODD_SAMPLE_BYTES,
        NON_FINITE_AUDIO,
        /** Finite F32 samples far outside [-1, 1]. */
        ABSURD_AMPLITUDE,
        BAD_DURATION,
        NON_FINITE_FEATURE,
        TOO_MANY_FEATURES,
        OVERSIZED_TEXT
    }

    /**
     * Who rejects a value: the record decoder's own checks, or its time guard (given the job's
     * {@code watermarks.max-future}; a decoder without one accepts these values). Both run in the
     * Kafka source, so both dead letters carry the bytes received and their offsets.
     */
    public enum Fate {
        DECODER,
        TIME_GUARD,
        ACCEPTED
    }

    /**
     * One hostile Kafka value.
     *
     * @param stage the dead letter's stage ({@code decode}, {@code validate}); null when accepted
     * @param reason a regular expression the dead letter's message must contain a match of
     */
    public record Hostile(
            RecordType<?> type,
            Category category,
            byte[] key,
            byte[] value,
            Fate fate,
            String stage,
            String reason) {
        @Override
        public String toString() {
            return type
                    + " "
                    + category
                    + " "
                    + (value == null
                            ? "null"
                            : HexFormat.of().formatHex(value, 0, Math.min(value.length, 48)));
        }
    }

    private static final byte[] KEY = "hostile".getBytes(StandardCharsets.UTF_8);

    private static final long DAY_US = 86_400_000_000L;

    /**
     * 2099-01-01T00:00:00Z: time-guard values are stamped in 2099, inside the decoder's years
     * 2000-2100 and ahead of any wall clock a test can run under, so their fate and their bytes
     * never depend on when the fuzzer or the job runs.
     */
    public static final long YEAR_2099_US = 4_070_908_800_000_000L;

    private final Random rnd;
    private final long seed;
    private final Map<RecordType<?>, GenericDatumReader<Object>> oracles = new HashMap<>();
    private final Map<String, AvroSerde<?>> serdes = new HashMap<>();
    private final Map<RecordType<?>, byte[]> headers = new HashMap<>();
    private int serial;

    public HostileRecords(long seed) {
        this.seed = seed;
        this.rnd = new Random(seed);
    }

    public long seed() {
        return seed;
    }

    /**
     * {@code count} hostile values for {@code type}'s topic (VideoFrame, AudioChunk or TextEvent),
     * every category represented, in a seeded random order. Values are distinct.
     */
    public List<Hostile> generate(RecordType<?> type, int count) {
        List<Category> categories = categoriesOf(type);
        List<Hostile> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            // Round-robin first so every category appears, then weighted towards the mutations
            // that explore the most: random bodies, bit flips and truncations.
            Category c =
                    i < categories.size() * 20
                            ? categories.get(i % categories.size())
                            : pickWeighted(categories);
            out.add(make(type, c));
        }
        java.util.Collections.shuffle(out, rnd);
        return out;
    }

    private Category pickWeighted(List<Category> categories) {
        int r = rnd.nextInt(10);
        return switch (r) {
            case 0, 1 -> Category.RANDOM_BODY;
            case 2, 3 -> Category.BIT_FLIP;
            case 4 -> Category.TRUNCATION;
            default -> categories.get(rnd.nextInt(categories.size()));
        };
    }

    /** The categories {@link #generate} draws from for {@code type}. */
    public static List<Category> categoriesOf(RecordType<?> type) {
        List<Category> all = new ArrayList<>();
        for (Category c : Category.values()) {
            if (applies(type, c)) {
                all.add(c);
            }
        }
        return all;
    }

    private static boolean applies(RecordType<?> type, Category c) {
        String t = type.name();
        return switch (c) {
            case WRONG_FRAME_SIZE, BAD_DIMENSIONS, EMPTY_IMAGE, UNKNOWN_ENCODING ->
                    t.equals("VideoFrame");
            case ABSURD_SAMPLE_RATE,
                    BAD_CHANNELS,
                    UNKNOWN_SAMPLE_FORMAT,
                    ODD_SAMPLE_BYTES,
                    NON_FINITE_AUDIO,
                    ABSURD_AMPLITUDE ->
                    t.equals("AudioChunk");
            case BAD_DURATION, NON_FINITE_FEATURE, TOO_MANY_FEATURES -> t.equals("TextEvent");
            // Oversized values are a handful of megabyte records: made on request only.
            case OVERSIZED_VALUE, OVERSIZED_TEXT -> false;
            case NEGATIVE_INDEX -> !t.equals("TextEvent");
            default -> true;
        };
    }

    /** One value of {@code category} for {@code type}'s topic. */
    public Hostile make(RecordType<?> type, Category c) {
        int n = serial++;
        String name = type.name();
        String body = "invalid " + name + " body|trailing bytes";
        return switch (c) {
            case RANDOM_BYTES -> {
                byte[] raw = new byte[rnd.nextInt(400)];
                rnd.nextBytes(raw);
                if (raw.length > 1 && raw[0] == (byte) 0xC3) {
                    raw[0] = 0x42;
                }
                yield decode(type, c, raw, "not Avro single-object encoded");
            }
            case RANDOM_BODY -> {
                byte[] header = header(type);
                byte[] raw;
                do {
                    byte[] b = new byte[1 + rnd.nextInt(300)];
                    rnd.nextBytes(b);
                    raw = concat(header, b);
                } while (!oracleRejects(type, raw));
                yield decode(type, c, raw, body);
            }
            case BIT_FLIP -> {
                byte[] valid = encode(type, valid(type, n));
                byte[] raw;
                boolean inHeader;
                do {
                    raw = valid.clone();
                    int flips = 1 + rnd.nextInt(3);
                    for (int f = 0; f < flips; f++) {
                        int bit = rnd.nextInt(raw.length * 8);
                        raw[bit / 8] ^= (byte) (1 << (bit % 8));
                    }
                    // Two flips of one bit cancel: judge by what changed.
                    inHeader = !Arrays.equals(raw, 0, 10, valid, 0, 10);
                } while (!inHeader && !oracleRejects(type, raw));
                yield decode(
                        type,
                        c,
                        raw,
                        inHeader ? "not Avro single-object|unknown writer schema|" + body : body);
            }
            case TRUNCATION -> {
                byte[] valid = encode(type, valid(type, n));
                byte[] raw;
                do {
                    raw = Arrays.copyOf(valid, rnd.nextInt(valid.length));
                } while (raw.length >= 10 && !oracleRejects(type, raw));
                yield decode(
                        type, c, raw, raw.length < 10 ? "not Avro single-object encoded" : body);
            }
            case TRAILING_BYTES -> {
                byte[] extra = new byte[1 + rnd.nextInt(16)];
                rnd.nextBytes(extra);
                yield decode(
                        type, c, concat(encode(type, valid(type, n)), extra), "trailing bytes");
            }
            case EMPTY_VALUE -> decode(type, c, new byte[0], "not Avro single-object encoded");
            case TOMBSTONE -> decode(type, c, null, "tombstone");
            case UNKNOWN_FINGERPRINT -> {
                byte[] raw = encode(type, valid(type, n));
                long fp = rnd.nextLong();
                ByteBuffer.wrap(raw, 2, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(fp);
                yield decode(type, c, raw, "unknown writer schema fingerprint");
            }
            case WRONG_RECORD_TYPE -> {
                RecordType<?> other =
                        name.equals("VideoFrame") ? RecordType.AUDIO_CHUNK : RecordType.VIDEO_FRAME;
                yield decode(
                        type,
                        c,
                        encode(other, valid(other, n)),
                        "unknown writer schema fingerprint");
            }
            case CONFLUENT_FRAMING -> {
                byte[] raw = encode(type, valid(type, n), WireFormat.CONFLUENT);
                yield decode(type, c, raw, "not Avro single-object encoded");
            }
            case AVRO_4304 -> decode(type, c, avro4304(type, n), body);
            case OVERSIZED_VALUE -> {
                byte[] raw = new byte[(1 << 20) + 1 + rnd.nextInt(1 << 20)];
                rnd.nextBytes(raw);
                yield decode(type, c, raw, "exceeds the limit");
            }
            case OVERSIZED_TEXT -> {
                TextEvent t = TestRecords.textEvent("hostile", n);
                char[] chars = new char[(1 << 20) + 1 + rnd.nextInt(1 << 19)];
                Arrays.fill(chars, 'x');
                t.setText(new String(chars));
                yield decode(type, c, encode(type, t), "exceeds the limit");
            }
            case EMPTY_STREAM_ID -> {
                SpecificRecord r = valid(type, n);
                r.put(0, rnd.nextBoolean() ? "" : " \t");
                yield validate(type, c, encode(type, r), "empty streamId");
            }
            case NEGATIVE_INDEX -> {
                SpecificRecord r = valid(type, n);
                r.put(1, -1L - rnd.nextInt(1000));
                yield validate(type, c, encode(type, r), "negative (frame|chunk)Index");
            }
            case TIME_FAR_PAST -> {
                long[] times = {
                    0L, -1L, Long.MIN_VALUE, 631_152_000_000_000L, 946_684_799_999_999L
                };
                yield withTime(type, c, n, times[rnd.nextInt(times.length)]);
            }
            case TIME_FAR_FUTURE -> {
                long[] times = {
                    Long.MAX_VALUE, 4_102_444_800_000_001L, 7_258_118_400_000_000L, 1L << 62
                };
                yield withTime(type, c, n, times[rnd.nextInt(times.length)]);
            }
            case TIME_AHEAD_OF_CLOCK -> {
                long t = YEAR_2099_US + rnd.nextInt(360) * DAY_US;
                SpecificRecord r = valid(type, n);
                r.put(2 - (name.equals("TextEvent") ? 1 : 0), t + n);
                yield new Hostile(
                        type,
                        c,
                        KEY,
                        encode(type, r),
                        Fate.TIME_GUARD,
                        "validate",
                        "ahead of the wall clock");
            }
            case WRONG_FRAME_SIZE -> {
                VideoFrame f = TestRecords.videoFrame("hostile", n);
                if (rnd.nextBoolean()) {
                    f.setEncoding(FrameEncoding.GRAY8);
                }
                int bytesPerPixel = f.getEncoding() == FrameEncoding.GRAY8 ? 1 : 3;
                int width;
                do {
                    // 24x6 GRAY8 is exactly the 144 bytes of 8x6 RGB24: not a wrong size.
                    width = f.getWidth() + 1 + rnd.nextInt(50);
                } while ((long) width * f.getHeight() * bytesPerPixel == f.getData().remaining());
                f.setWidth(width);
                yield validate(type, c, encode(type, f), "needs \\d+ bytes, got");
            }
            case BAD_DIMENSIONS -> {
                VideoFrame f = TestRecords.videoFrame("hostile", n);
                int[] bad = {0, -1, -640, Integer.MIN_VALUE, 16385, Integer.MAX_VALUE};
                int v = bad[rnd.nextInt(bad.length)];
                if (rnd.nextBoolean()) {
                    f.setWidth(v);
                } else {
                    f.setHeight(v);
                }
                yield validate(type, c, encode(type, f), "non-positive size|above 16384");
            }
            case EMPTY_IMAGE -> {
                VideoFrame f = TestRecords.videoFrame("hostile", n);
                f.setEncoding(rnd.nextBoolean() ? FrameEncoding.JPEG : FrameEncoding.PNG);
                f.setData(ByteBuffer.allocate(0));
                yield validate(type, c, encode(type, f), "empty (JPEG|PNG) data");
            }
            case UNKNOWN_ENCODING -> {
                VideoFrame f = TestRecords.videoFrame("hostile", n);
                f.setEncoding(FrameEncoding.UNKNOWN);
                yield validate(type, c, encode(type, f), "unknown frame encoding");
            }
            case ABSURD_SAMPLE_RATE -> {
                AudioChunk a = TestRecords.audioChunk("hostile", n);
                int[] bad = {0, -16_000, 1, 999, 384_001, 1_000_000_000, Integer.MIN_VALUE};
                a.setSampleRate(bad[rnd.nextInt(bad.length)]);
                yield validate(type, c, encode(type, a), "sample rate .* Hz outside");
            }
            case BAD_CHANNELS -> {
                AudioChunk a = TestRecords.audioChunk("hostile", n);
                int[] bad = {0, -1, 33, Integer.MAX_VALUE};
                a.setChannels(bad[rnd.nextInt(bad.length)]);
                yield validate(type, c, encode(type, a), "channel count .* outside");
            }
            case UNKNOWN_SAMPLE_FORMAT -> {
                AudioChunk a = TestRecords.audioChunk("hostile", n);
                a.setSampleFormat(SampleFormat.UNKNOWN);
                yield validate(type, c, encode(type, a), "unknown sample format");
            }
            case ODD_SAMPLE_BYTES -> {
                AudioChunk a = TestRecords.audioChunk("hostile", n);
                int len = rnd.nextBoolean() ? 0 : 1 + 4 * rnd.nextInt(100) + rnd.nextInt(3);
                byte[] s = new byte[len];
                rnd.nextBytes(s);
                a.setSamples(ByteBuffer.wrap(s));
                yield validate(type, c, encode(type, a), "is not a positive multiple of");
            }
            case NON_FINITE_AUDIO -> {
                AudioChunk a = TestRecords.audioChunk("hostile", n);
                ByteBuffer s = a.getSamples().duplicate().order(ByteOrder.LITTLE_ENDIAN);
                float[] bad = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
                int at = rnd.nextInt(s.remaining() / 4);
                s.putFloat(at * 4, bad[rnd.nextInt(bad.length)]);
                yield validate(type, c, encode(type, a), "sample \\d+ is (NaN|Infinity|-Infinity)");
            }
            case ABSURD_AMPLITUDE -> {
                AudioChunk a = TestRecords.audioChunk("hostile", n);
                ByteBuffer s = a.getSamples().duplicate().order(ByteOrder.LITTLE_ENDIAN);
                float v = (float) Math.pow(10, 3.01 + rnd.nextDouble() * 35);
                s.putFloat(rnd.nextInt(s.remaining() / 4) * 4, rnd.nextBoolean() ? v : -v);
                yield validate(type, c, encode(type, a), "beyond ±1000");
            }
            case BAD_DURATION -> {
                TextEvent t = TestRecords.textEvent("hostile", n);
                long[] bad = {-1L, Long.MIN_VALUE, 3_600_000_001L, Long.MAX_VALUE};
                t.setDurationUs(bad[rnd.nextInt(bad.length)]);
                yield validate(type, c, encode(type, t), "durationUs .* outside");
            }
            case NON_FINITE_FEATURE -> {
                TextEvent t = TestRecords.textEvent("hostile", n);
                double[] bad = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
                t.setFeatures(
                        TestRecords.features(
                                "speed", 1.0, "bad" + n, bad[rnd.nextInt(bad.length)]));
                yield validate(type, c, encode(type, t), "feature 'bad\\d+' is");
            }
            case TOO_MANY_FEATURES -> {
                TextEvent t = TestRecords.textEvent("hostile", n);
                Map<String, Double> features = new HashMap<>();
                for (int i = 0; i < 4097 + rnd.nextInt(100); i++) {
                    features.put("f" + i, (double) i);
                }
                t.setFeatures(features);
                yield validate(type, c, encode(type, t), "features above 4096");
            }
        };
    }

    private Hostile withTime(RecordType<?> type, Category c, int n, long timeUs) {
        SpecificRecord r = valid(type, n);
        // eventTimeUs / startTimeUs: field 2 of frames and chunks, field 1 of text events.
        r.put(type.name().equals("TextEvent") ? 1 : 2, timeUs);
        return validate(type, c, encode(type, r), "outside years 2000-2100");
    }

    /**
     * AVRO-4304 (apache/avro share/test/data/binary-rejections.json) must-reject vectors placed in
     * a framed record: huge and negative declared lengths for strings, bytes, arrays and maps,
     * varints that never end, and enum and union indexes out of range.
     */
    private byte[] avro4304(RecordType<?> type, int n) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(header(type));
        String stream = "h" + n;
        int variant = rnd.nextInt(8);
        try {
            BinaryEncoder e = EncoderFactory.get().directBinaryEncoder(b, null);
            if (variant == 0) {
                e.writeLong(-1 - rnd.nextInt(1 << 20)); // streamId: negative length
                return b.toByteArray();
            }
            if (variant == 1) {
                e.writeLong((1L << 31) + rnd.nextInt(1 << 30)); // streamId: 2 GiB and more
                b.write('x');
                return b.toByteArray();
            }
            e.writeString(stream);
            if (variant == 2) {
                b.writeBytes(HexFormat.of().parseHex("80808080808080808080")); // endless varint
                return b.toByteArray();
            }
            if (type.name().equals("TextEvent")) {
                e.writeLong(TestRecords.T0_US);
                e.writeLong(1000);
                switch (variant) {
                    case 3 -> e.writeInt(4 + rnd.nextInt(100)); // kind: enum index past the end
                    case 4 -> e.writeInt(-1 - rnd.nextInt(100)); // kind: negative enum index
                    case 5 -> {
                        e.writeInt(0);
                        e.writeLong(Integer.MAX_VALUE + 1L + rnd.nextInt(1 << 20)); // text: huge
                    }
                    case 6 -> {
                        e.writeInt(0);
                        e.writeString("t");
                        e.writeInt(2 + rnd.nextInt(10)); // features: union branch out of range
                    }
                    default -> {
                        e.writeInt(0);
                        e.writeString("t");
                        e.writeInt(1);
                        // features: a map block count of Long.MIN_VALUE / huge
                        e.writeLong(rnd.nextBoolean() ? Long.MIN_VALUE : (1L << 40));
                    }
                }
                e.flush();
                return b.toByteArray();
            }
            e.writeLong(n);
            e.writeLong(TestRecords.T0_US);
            e.writeInt(8);
            e.writeInt(6);
            switch (variant) {
                case 3 -> e.writeInt(6 + rnd.nextInt(100)); // encoding: enum index past the end
                case 4 -> e.writeInt(-1 - rnd.nextInt(100)); // encoding: negative enum index
                case 5 -> {
                    e.writeInt(3);
                    e.writeLong(-1 - rnd.nextInt(1 << 20)); // data: negative length
                }
                case 6 -> {
                    e.writeInt(3);
                    e.writeLong(Integer.MAX_VALUE + 1L + rnd.nextInt(1 << 20)); // data: > 2 GiB
                }
                default -> {
                    e.writeInt(3);
                    e.writeLong((16L << 20) + 1 + rnd.nextInt(1 << 20)); // data: above 16 MiB
                    b.write(1);
                }
            }
            e.flush();
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
        return b.toByteArray();
    }

    /**
     * A frame that passes every record check but whose JPEG does not decode: random bytes after a
     * JPEG start marker, a real 16x16 JPEG cut anywhere, or one whose scan data is cut short (which
     * the decoder reports only as a warning). The job must accept it and leave the frame out of the
     * window's video (masked), not fail.
     */
    public VideoFrame corruptJpeg(String stream, long index, long timeUs) {
        byte[] real = smallJpeg(16, 16, (int) index);
        byte[] data;
        switch (rnd.nextInt(3)) {
            case 0 -> {
                data = new byte[2 + rnd.nextInt(600)];
                rnd.nextBytes(data);
                data[0] = (byte) 0xFF;
                data[1] = (byte) 0xD8;
            }
            case 1 -> data = Arrays.copyOf(real, 2 + rnd.nextInt(real.length - 4));
            default -> {
                // Every header intact, the entropy-coded scan cut short.
                int sos = 2;
                while (!(real[sos] == (byte) 0xFF && real[sos + 1] == (byte) 0xDA)) {
                    sos++;
                }
                data = Arrays.copyOf(real, sos + 14 + rnd.nextInt(8));
            }
        }
        return frame(stream, index, timeUs, 16, 16, data);
    }

    /**
     * A decompression bomb: a real 16x16 JPEG of a few hundred bytes whose frame header claims
     * {@code size x size} pixels, as does the record (so the record checks pass). A decoder that
     * allocates the declared raster before reading the scan needs 3 x size² bytes.
     */
    public VideoFrame jpegBomb(String stream, long index, long timeUs, int size) {
        byte[] data = smallJpeg(16, 16, (int) index);
        for (int i = 2; i + 8 < data.length; i++) {
            if (data[i] == (byte) 0xFF && data[i + 1] == (byte) 0xC0) { // SOF0
                data[i + 5] = (byte) (size >> 8);
                data[i + 6] = (byte) size;
                data[i + 7] = (byte) (size >> 8);
                data[i + 8] = (byte) size;
                return frame(stream, index, timeUs, size, size, data);
            }
        }
        throw new IllegalStateException("no SOF0 marker in the JPEG ImageIO wrote");
    }

    private static VideoFrame frame(
            String stream, long index, long timeUs, int w, int h, byte[] data) {
        return VideoFrame.newBuilder()
                .setStreamId(stream)
                .setFrameIndex(index)
                .setEventTimeUs(timeUs)
                .setWidth(w)
                .setHeight(h)
                .setEncoding(FrameEncoding.JPEG)
                .setData(ByteBuffer.wrap(data))
                .build();
    }

    /** A real baseline JPEG of a gradient, written by the JDK's encoder. */
    public static byte[] smallJpeg(int w, int h, int seed) {
        java.awt.image.BufferedImage image =
                new java.awt.image.BufferedImage(w, h, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                image.setRGB(x, y, ((x * 16 + seed) & 0xFF) << 16 | (y * 16 & 0xFF) << 8 | 0x40);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!javax.imageio.ImageIO.write(image, "jpg", out)) {
                throw new IllegalStateException("no JPEG writer");
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /**
     * Audio that passes the record checks but lies far outside [-1, 1]: a 20 ms 16 kHz mono F32
     * chunk whose samples alternate between {@code +amplitude} and {@code -amplitude}.
     */
    public static AudioChunk loudAudio(String stream, long index, long timeUs, float amplitude) {
        ByteBuffer b = ByteBuffer.allocate(320 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 320; i++) {
            b.putFloat(i % 2 == 0 ? amplitude : -amplitude);
        }
        b.flip();
        return AudioChunk.newBuilder()
                .setStreamId(stream)
                .setChunkIndex(index)
                .setStartTimeUs(timeUs)
                .setSampleRate(16_000)
                .setChannels(1)
                .setSampleFormat(SampleFormat.F32LE)
                .setSamples(b)
                .build();
    }

    /** A caption of {@code chars} characters (0: empty), valid by every record check. */
    public static TextEvent caption(String stream, long timeUs, int chars) {
        char[] text = new char[chars];
        for (int i = 0; i < chars; i++) {
            text[i] = i % 6 == 5 ? ' ' : (char) ('a' + i % 26);
        }
        return TextEvent.newBuilder()
                .setStreamId(stream)
                .setEventTimeUs(timeUs)
                .setDurationUs(100_000)
                .setKind(io.avfuse.schemas.TextKind.CAPTION)
                .setText(new String(text))
                .build();
    }

    private Hostile decode(RecordType<?> type, Category c, byte[] raw, String reason) {
        return new Hostile(type, c, KEY, raw, Fate.DECODER, "decode", reason);
    }

    private Hostile validate(RecordType<?> type, Category c, byte[] raw, String reason) {
        return new Hostile(type, c, KEY, raw, Fate.DECODER, "validate", reason);
    }

    /** A valid record of {@code type} for a stream no test expects windows for. */
    private SpecificRecord valid(RecordType<?> type, int n) {
        return TestRecords.sample(type, "hostile-" + n, n);
    }

    private <T extends SpecificRecord> byte[] encode(RecordType<T> type, Object record) {
        return encode(type, record, WireFormat.SINGLE_OBJECT);
    }

    @SuppressWarnings("unchecked")
    private <T extends SpecificRecord> byte[] encode(
            RecordType<T> type, Object record, WireFormat format) {
        // One serde per type and format: building one resolves every released schema, which
        // made up most of the time to generate 10,000 values.
        AvroSerde<T> serde =
                (AvroSerde<T>)
                        serdes.computeIfAbsent(
                                type.name() + "/" + format, k -> AvroSerde.of(type, format));
        return serde.encode((T) record);
    }

    private byte[] header(RecordType<?> type) {
        return headers.computeIfAbsent(
                type, t -> Arrays.copyOf(encode(t, TestRecords.sample(t, "s", 0)), 10));
    }

    /**
     * Whether Avro itself, reading {@code raw} past its 10-byte header with the writer schema,
     * fails or leaves bytes over: the independent check that a mutant is not a valid record.
     */
    boolean oracleRejects(RecordType<?> type, byte[] raw) {
        if (raw.length < 10) {
            return true;
        }
        GenericDatumReader<Object> reader =
                oracles.computeIfAbsent(type, t -> new GenericDatumReader<>(schemaOf(t)));
        try {
            BinaryDecoder d = DecoderFactory.get().binaryDecoder(raw, 10, raw.length - 10, null);
            reader.read(null, d);
            return !d.isEnd();
        } catch (IOException | RuntimeException | StackOverflowError e) {
            return true;
        }
    }

    private static Schema schemaOf(RecordType<?> type) {
        return new Schema.Parser().parse(type.schema().toString());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
