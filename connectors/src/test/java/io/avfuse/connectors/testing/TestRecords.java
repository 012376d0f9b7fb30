package io.avfuse.connectors.testing;

import io.avfuse.connectors.serde.RecordType;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.DeadLetter;
import io.avfuse.schemas.Embedding;
import io.avfuse.schemas.FrameEncoding;
import io.avfuse.schemas.ModalityPresence;
import io.avfuse.schemas.Prediction;
import io.avfuse.schemas.SampleFormat;
import io.avfuse.schemas.StageTimes;
import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.TextKind;
import io.avfuse.schemas.VideoFrame;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.specific.SpecificRecord;

/** Valid, deterministic sample records of every avfuse type, for tests. */
public final class TestRecords {
    /** 2026-01-01T00:00:00Z in microseconds: a fixed, valid event time. */
    public static final long T0_US = 1_767_225_600_000_000L;

    private TestRecords() {}

    public static VideoFrame videoFrame(String stream, long index) {
        Random rnd = new Random(index);
        int w = 8;
        int h = 6;
        byte[] rgb = new byte[w * h * 3];
        rnd.nextBytes(rgb);
        return VideoFrame.newBuilder()
                .setStreamId(stream)
                .setFrameIndex(index)
                .setEventTimeUs(T0_US + index * 40_000)
                .setWidth(w)
                .setHeight(h)
                .setEncoding(FrameEncoding.RGB24)
                .setData(ByteBuffer.wrap(rgb))
                .build();
    }

    public static AudioChunk audioChunk(String stream, long index) {
        int frames = 320; // 20 ms at 16 kHz
        ByteBuffer samples = ByteBuffer.allocate(frames * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < frames; i++) {
            samples.putFloat((float) Math.sin(2 * Math.PI * 440 * (index * frames + i) / 16000.0));
        }
        samples.flip();
        return AudioChunk.newBuilder()
                .setStreamId(stream)
                .setChunkIndex(index)
                .setStartTimeUs(T0_US + index * 20_000)
                .setSampleRate(16_000)
                .setChannels(1)
                .setSampleFormat(SampleFormat.F32LE)
                .setSamples(samples)
                .build();
    }

    public static TextEvent textEvent(String stream, long index) {
        return TextEvent.newBuilder()
                .setStreamId(stream)
                .setEventTimeUs(T0_US + index * 1_000_000)
                .setDurationUs(800_000)
                .setKind(index % 2 == 0 ? TextKind.CAPTION : TextKind.METADATA)
                .setText("line " + index + " — ünïcödé ok")
                .setFeatures(index % 2 == 0 ? null : features("speed", 1.5 * index, "count", 3.0))
                .build();
    }

    /**
     * Two features in this order. Not {@code Map.of}: its iteration order changes from one JVM to
     * the next, and so would the bytes of every record encoded from it.
     */
    public static Map<String, Double> features(String k1, double v1, String k2, double v2) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(k1, v1);
        m.put(k2, v2);
        return m;
    }

    public static Prediction prediction(String stream, long index) {
        return Prediction.newBuilder()
                .setStreamId(stream)
                .setWindowStartUs(T0_US + index * 1_000_000)
                .setWindowEndUs(T0_US + (index + 1) * 1_000_000)
                .setLabel("applause")
                .setLabelIndex(2)
                .setConfidence(0.7f)
                .setScores(List.of(0.1f, 0.2f, 0.7f))
                .setPresence(presence(true, index % 3 != 0, true, false))
                .setDegraded(index % 3 == 0)
                .setModelVersion("test-1")
                .setTimes(times(index))
                .build();
    }

    public static Embedding embedding(String stream, long index) {
        return Embedding.newBuilder()
                .setStreamId(stream)
                .setWindowStartUs(T0_US + index * 1_000_000)
                .setWindowEndUs(T0_US + (index + 1) * 1_000_000)
                .setPresence(presence(true, true, false, false))
                .setModelVersion("test-1")
                .setFused(List.of(0.6f, 0.8f))
                .setVideo(List.of(1.0f, 0.0f))
                .setAudio(List.of(0.0f, 1.0f))
                .setTimes(times(index))
                .build();
    }

    public static DeadLetter deadLetter(String stream, long index) {
        return DeadLetter.newBuilder()
                .setSourceTopic("av." + stream)
                .setSourcePartition(0)
                .setSourceOffset(index)
                .setSourceTimestampMs(T0_US / 1000)
                .setStage("decode")
                .setErrorClass("io.avfuse.connectors.serde.MalformedRecordException")
                .setErrorMessage("test " + index)
                .setFailedAtMs(T0_US / 1000 + 5)
                .setRawKey(ByteBuffer.wrap(stream.getBytes()))
                .setRawValue(ByteBuffer.wrap(new byte[] {1, 2, 3, (byte) index}))
                .build();
    }

    public static io.avfuse.schemas.AlignedWindow alignedWindow(String stream, long index) {
        VideoFrame f = videoFrame(stream, index);
        return io.avfuse.schemas.AlignedWindow.newBuilder()
                .setStreamId(stream)
                .setWindowStartUs(T0_US + index * 1_000_000)
                .setWindowEndUs(T0_US + (index + 1) * 1_000_000)
                .setPresence(presence(true, true, true, index % 2 == 0))
                .setFrames(
                        List.of(
                                io.avfuse.schemas.WindowFrame.newBuilder()
                                        .setEventTimeUs(f.getEventTimeUs())
                                        .setFrameIndex(f.getFrameIndex())
                                        .setWidth(f.getWidth())
                                        .setHeight(f.getHeight())
                                        .setEncoding(f.getEncoding())
                                        .setData(f.getData())
                                        .build()))
                .setFramesSeen(25)
                .setAudio(
                        io.avfuse.schemas.WindowAudio.newBuilder()
                                .setSampleRate(16_000)
                                .setChannels(1)
                                .setSamples(audioChunk(stream, index).getSamples())
                                .setCoverage(0.02f)
                                .setGaps(1)
                                .build())
                .setTexts(
                        List.of(
                                io.avfuse.schemas.WindowText.newBuilder()
                                        .setEventTimeUs(T0_US)
                                        .setDurationUs(5)
                                        .setKind(TextKind.CAPTION)
                                        .setText("hi " + index)
                                        .build()))
                .setTextCarriedOver(false)
                .setMetadata(index % 2 == 0 ? Map.of("speed", 1.0) : null)
                .setMetadataTimeUs(index % 2 == 0 ? T0_US : 0)
                .setAlignedAtUs(T0_US + 2_000_000)
                .build();
    }

    /** A valid record of {@code type}. */
    @SuppressWarnings("unchecked")
    public static <T extends SpecificRecord> T sample(RecordType<T> type, String stream, long i) {
        Object record =
                switch (type.name()) {
                    case "VideoFrame" -> videoFrame(stream, i);
                    case "AudioChunk" -> audioChunk(stream, i);
                    case "TextEvent" -> textEvent(stream, i);
                    case "Prediction" -> prediction(stream, i);
                    case "Embedding" -> embedding(stream, i);
                    case "DeadLetter" -> deadLetter(stream, i);
                    case "AlignedWindow" -> alignedWindow(stream, i);
                    default -> throw new IllegalArgumentException(type.name());
                };
        return (T) record;
    }

    private static ModalityPresence presence(boolean v, boolean a, boolean t, boolean m) {
        return ModalityPresence.newBuilder()
                .setVideo(v)
                .setAudio(a)
                .setText(t)
                .setMetadata(m)
                .build();
    }

    private static StageTimes times(long index) {
        return StageTimes.newBuilder()
                .setAlignedAtUs(T0_US + 1_100_000 + index)
                .setInferenceStartUs(T0_US + 1_120_000)
                .setInferenceEndUs(T0_US + 1_130_000)
                .setEmittedAtUs(T0_US + 1_131_000)
                .setBatchSize(8)
                .build();
    }
}
