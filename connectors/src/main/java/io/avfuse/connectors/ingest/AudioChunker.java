package io.avfuse.connectors.ingest;

import java.util.function.Consumer;

/**
 * Cuts a continuous stream of interleaved float samples into contiguous chunks of a fixed number of
 * sample frames. Chunk {@code n} starts at {@code baseUs + n * chunkFrames * 1e6 / rate}, computed
 * from sample counts in integer arithmetic, so no rounding accumulates: the chunks tile time
 * exactly and a chunk's start never drifts from the samples it holds. The last chunk ({@link
 * #flush()}) may be shorter.
 *
 * <p>{@code new AudioChunker(16000, 1, 320, baseUs, chunk -> publish(chunk)).accept(samples, n)}
 */
public final class AudioChunker {
    /** One chunk: its index, start time and {@code frames * channels} interleaved samples. */
    public record Chunk(long index, long startUs, int frames, float[] samples) {}

    private final int sampleRate;
    private final int channels;
    private final int chunkFrames;
    private final long baseUs;
    private final Consumer<Chunk> out;
    private float[] buffer;
    private int buffered;
    private long nextIndex;
    private long framesAccepted;

    public AudioChunker(
            int sampleRate, int channels, int chunkFrames, long baseUs, Consumer<Chunk> out) {
        if (sampleRate <= 0 || channels <= 0 || chunkFrames <= 0) {
            throw new IllegalArgumentException(
                    "sampleRate, channels and chunkFrames must be positive");
        }
        this.sampleRate = sampleRate;
        this.channels = channels;
        this.chunkFrames = chunkFrames;
        this.baseUs = baseUs;
        this.out = out;
        this.buffer = new float[chunkFrames * channels];
    }

    /** Sample frames in a chunk of {@code millis} ms at {@code sampleRate} (at least one). */
    public static int framesFor(int sampleRate, int millis) {
        return Math.max(1, (int) ((long) sampleRate * millis / 1000));
    }

    /** Start of chunk {@code index}: exact, from sample counts. */
    public long startUs(long index) {
        return baseUs + Math.floorDiv(index * chunkFrames * 1_000_000L, sampleRate);
    }

    /** Appends {@code frames} interleaved sample frames from {@code samples[offset...]}. */
    public void accept(float[] samples, int offset, int frames) {
        framesAccepted += frames;
        int remaining = frames * channels;
        int position = offset;
        while (remaining > 0) {
            int take = Math.min(remaining, buffer.length - buffered);
            System.arraycopy(samples, position, buffer, buffered, take);
            buffered += take;
            position += take;
            remaining -= take;
            if (buffered == buffer.length) {
                emit(buffer);
                buffer = new float[chunkFrames * channels];
            }
        }
    }

    /** Emits the samples still buffered as a shorter last chunk. */
    public void flush() {
        if (buffered > 0) {
            float[] last = new float[buffered];
            System.arraycopy(buffer, 0, last, 0, buffered);
            emit(last);
        }
    }

    /** Sample frames accepted so far (emitted or buffered). */
    public long framesAccepted() {
        return framesAccepted;
    }

    /** The time just after the last sample accepted so far. */
    public long endUs() {
        return baseUs + Math.floorDiv(framesAccepted() * 1_000_000L, sampleRate);
    }

    public int chunkFrames() {
        return chunkFrames;
    }

    /** Chunks emitted so far. */
    public long chunksEmitted() {
        return nextIndex;
    }

    private void emit(float[] samples) {
        long index = nextIndex++;
        out.accept(new Chunk(index, startUs(index), samples.length / channels, samples));
        buffered = 0;
    }
}
