package io.avfuse.jobs.align;

import io.avfuse.connectors.testing.TestRecords;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.FrameEncoding;
import io.avfuse.schemas.SampleFormat;
import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.TextKind;
import io.avfuse.schemas.VideoFrame;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Streams with known timestamps: 25 fps video, 20 ms chunks of 16 kHz mono audio. */
public final class AlignFixtures {
    public static final long T0 = TestRecords.T0_US;
    public static final int RATE = 16_000;
    public static final int CHUNK_FRAMES = 320;
    public static final long FRAME_US = 40_000;
    public static final long CHUNK_US = 20_000;

    private AlignFixtures() {}

    public static VideoFrame frame(String stream, long index) {
        return VideoFrame.newBuilder()
                .setStreamId(stream)
                .setFrameIndex(index)
                .setEventTimeUs(T0 + index * FRAME_US)
                .setWidth(2)
                .setHeight(1)
                .setEncoding(FrameEncoding.GRAY8)
                .setData(ByteBuffer.wrap(new byte[] {(byte) index, (byte) (index >> 8)}))
                .build();
    }

    /** Sample value of frame n of a stream's audio: its own index, so positions can be checked. */
    public static float sampleValue(long n) {
        return (n % 30_000) / 30_000f;
    }

    public static AudioChunk chunk(String stream, long index) {
        ByteBuffer b = ByteBuffer.allocate(CHUNK_FRAMES * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < CHUNK_FRAMES; i++) {
            b.putFloat(sampleValue(index * CHUNK_FRAMES + i));
        }
        b.flip();
        return AudioChunk.newBuilder()
                .setStreamId(stream)
                .setChunkIndex(index)
                .setStartTimeUs(T0 + index * CHUNK_US)
                .setSampleRate(RATE)
                .setChannels(1)
                .setSampleFormat(SampleFormat.F32LE)
                .setSamples(b)
                .build();
    }

    public static TextEvent caption(String stream, long atUs, long durationUs, String text) {
        return TextEvent.newBuilder()
                .setStreamId(stream)
                .setEventTimeUs(T0 + atUs)
                .setDurationUs(durationUs)
                .setKind(TextKind.CAPTION)
                .setText(text)
                .build();
    }

    public static TextEvent metadata(String stream, long atUs, double value) {
        return TextEvent.newBuilder()
                .setStreamId(stream)
                .setEventTimeUs(T0 + atUs)
                .setKind(TextKind.METADATA)
                .setText("")
                .setFeatures(Map.of("speed", value))
                .build();
    }

    /** Video and audio of {@code stream} covering [fromUs, toUs) after T0, in time order. */
    public static List<ModalityEvent> av(String stream, long fromUs, long toUs) {
        List<ModalityEvent> events = new ArrayList<>();
        for (long f = fromUs / FRAME_US; f * FRAME_US < toUs; f++) {
            events.add(ModalityEvent.of(frame(stream, f)));
        }
        for (long c = fromUs / CHUNK_US; c * CHUNK_US < toUs; c++) {
            events.add(ModalityEvent.of(chunk(stream, c)));
        }
        events.sort(java.util.Comparator.comparingLong(ModalityEvent::eventTimeUs));
        return events;
    }

    /** Flink watermark (ms) for {@code usAfterT0}. */
    public static long wm(long usAfterT0) {
        return (T0 + usAfterT0) / 1000;
    }
}
