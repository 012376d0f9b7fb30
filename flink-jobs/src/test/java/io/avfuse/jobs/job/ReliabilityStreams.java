package io.avfuse.jobs.job;

import static io.avfuse.jobs.align.AlignFixtures.T0;

import io.avfuse.connectors.ingest.RecordSink;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.FrameEncoding;
import io.avfuse.schemas.SampleFormat;
import io.avfuse.schemas.VideoFrame;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Input for the reliability ITCases: {@code streams} streams of {@code windows} short windows each,
 * every window holding two distinct 16x16 GRAY8 frames and one 8 kHz audio chunk. The content of
 * window {@code w} is the same in every stream, so that a deterministic pipeline gives every stream
 * the same embedding for window {@code w}: a stream whose window lost a frame or saw one twice (a
 * replay that was not undone) stands out against the other streams.
 *
 * <p>{@code new ReliabilityStreams(20, 500, 100_000).ingest(sink, 50_000_000L, () -> false)}
 */
public final class ReliabilityStreams {
    static final int RATE = 8_000;
    public static final String CLOCK = "clock";

    public final int streams;
    public final int windows;
    public final long windowUs;

    public ReliabilityStreams(int streams, int windows, long windowUs) {
        this.streams = streams;
        this.windows = windows;
        this.windowUs = windowUs;
    }

    static String stream(int s) {
        return String.format("s%02d", s);
    }

    static String key(String stream, long windowStartUs) {
        return stream + "@" + windowStartUs;
    }

    long windowStart(int w) {
        return T0 + w * windowUs;
    }

    /** "stream@windowStartUs" of every window the job must predict exactly once. */
    public Set<String> expectedWindows() {
        Set<String> keys = new TreeSet<>();
        for (int s = 0; s < streams; s++) {
            for (int w = 0; w < windows; w++) {
                keys.add(key(stream(s), windowStart(w)));
            }
        }
        return keys;
    }

    /** Input records of every stream, frames and audio of window 0, then window 1, ... */
    int recordsPerStream() {
        return 3 * windows;
    }

    VideoFrame frame(String stream, int w, int f) {
        byte[] pixels = new byte[16 * 16];
        for (int p = 0; p < pixels.length; p++) {
            pixels[p] = (byte) (w * 31 + f * 101 + p);
        }
        return VideoFrame.newBuilder()
                .setStreamId(stream)
                .setFrameIndex(2L * w + f)
                .setEventTimeUs(windowStart(w) + (2L * f + 1) * windowUs / 4)
                .setWidth(16)
                .setHeight(16)
                .setEncoding(FrameEncoding.GRAY8)
                .setData(ByteBuffer.wrap(pixels))
                .build();
    }

    AudioChunk chunk(String stream, int w) {
        int samples = Math.toIntExact(windowUs * RATE / 1_000_000L);
        ByteBuffer b = ByteBuffer.allocate(samples * 2).order(ByteOrder.LITTLE_ENDIAN);
        double hz = 200 + (w % 40) * 25;
        for (int n = 0; n < samples; n++) {
            b.putShort((short) (8_000 * Math.sin(2 * Math.PI * hz * n / RATE)));
        }
        b.flip();
        return AudioChunk.newBuilder()
                .setStreamId(stream)
                .setChunkIndex(w)
                .setStartTimeUs(windowStart(w))
                .setSampleRate(RATE)
                .setChannels(1)
                .setSampleFormat(SampleFormat.S16LE)
                .setSamples(b)
                .build();
    }

    /**
     * Publishes window after window of every stream through {@code sink}, spread evenly over {@code
     * durationNanos} of wall-clock time, calling {@code between} after each window (a test's hook
     * to kill a broker at a chosen point); then flushes. The clock stream closes the last windows.
     */
    public void ingest(RecordSink sink, long durationNanos, IntHook between) {
        long started = System.nanoTime();
        for (int w = 0; w < windows; w++) {
            for (int s = 0; s < streams; s++) {
                for (int r = 0; r < 3; r++) {
                    publish(sink, stream(s), w, r);
                }
            }
            between.after(w);
            long due = started + durationNanos * (w + 1) / windows;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
        }
        publishClock(sink);
    }

    /**
     * Publishes input record {@code r} of window {@code w} (frame 0, audio, frame 1) of every
     * stream for each {@code 3 * w + r} in {@code [from, to)}, unpaced, and flushes: a test that
     * stops the job between two records of a window calls it once before and once after the stop.
     */
    public void publish(RecordSink sink, int from, int to) {
        for (int i = from; i < to; i++) {
            for (int s = 0; s < streams; s++) {
                publish(sink, stream(s), i / 3, i % 3);
            }
        }
        sink.flush();
    }

    private void publish(RecordSink sink, String stream, int w, int r) {
        switch (r) {
            case 0 -> sink.video(frame(stream, w, 0));
            case 1 -> sink.audio(chunk(stream, w));
            default -> sink.video(frame(stream, w, 1));
        }
    }

    /** Records of the clock stream stamped past the last window: they close every window. */
    public void publishClock(RecordSink sink) {
        // Stamped well past the last window: carries the video and audio watermarks beyond it.
        sink.video(
                VideoFrame.newBuilder(frame(CLOCK, 0, 0))
                        .setEventTimeUs(windowStart(windows) + 10_000_000L)
                        .build());
        AudioChunk clock = chunk(CLOCK, 0);
        sink.audio(
                AudioChunk.newBuilder(clock)
                        .setStartTimeUs(windowStart(windows) + 10_000_000L)
                        .build());
        sink.flush();
    }

    /** Called after each window of input has been handed to the sink. */
    @FunctionalInterface
    public interface IntHook {
        void after(int window);
    }

    /** Waits until {@code done} holds, polling; false when {@code timeoutNanos} passed first. */
    public static boolean await(BooleanSupplier done, long timeoutNanos)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(200);
        }
        return true;
    }
}
