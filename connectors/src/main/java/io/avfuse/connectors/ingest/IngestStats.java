package io.avfuse.connectors.ingest;

import java.util.Locale;

/**
 * What one input has published so far. Written by its ingest thread, read by the progress display:
 * the fields are volatile and each has a single writer.
 */
public final class IngestStats {
    private final String streamId;
    private final long startNanos = System.nanoTime();
    private volatile long frames;
    private volatile long audioChunks;
    private volatile long audioFrames;
    private volatile long textEvents;
    private volatile long bytes;
    private volatile long videoBytes;
    private volatile int width;
    private volatile int height;
    private volatile long endNanos;
    private final int sampleRate;

    public IngestStats(String streamId, int sampleRate) {
        this.streamId = streamId;
        this.sampleRate = sampleRate;
    }

    void frame(int w, int h, int size) {
        frames++;
        width = w;
        height = h;
        bytes += size;
        videoBytes += size;
    }

    void audio(int sampleFrames, int size) {
        audioChunks++;
        audioFrames += sampleFrames;
        bytes += size;
    }

    void text(int size) {
        textEvents++;
        bytes += size;
    }

    void finish() {
        endNanos = System.nanoTime();
    }

    public String streamId() {
        return streamId;
    }

    public long frames() {
        return frames;
    }

    public long audioChunks() {
        return audioChunks;
    }

    public double audioSeconds() {
        return (double) audioFrames / sampleRate;
    }

    public long textEvents() {
        return textEvents;
    }

    public long bytes() {
        return bytes;
    }

    /** Mean size of a published frame's data (JPEG or raw), in bytes; 0 before the first. */
    public long bytesPerFrame() {
        long n = frames;
        return n == 0 ? 0 : Math.round((double) videoBytes / n);
    }

    public double elapsedSeconds() {
        long end = endNanos == 0 ? System.nanoTime() : endNanos;
        return Math.max(1e-9, (end - startNanos) / 1e9);
    }

    public double megabytesPerSecond() {
        return bytes / 1e6 / elapsedSeconds();
    }

    /** {@code 120 frames, 4.8 s audio, 2.1 MB/s}: the progress line's tail. */
    public String progressLine() {
        return String.format(
                Locale.ROOT,
                "%.1f s audio, %d text, %.1f MB/s",
                audioSeconds(),
                textEvents,
                megabytesPerSecond());
    }

    /** The closing summary line; frame size tells what a topic must hold per frame. */
    public String summary(String encoding) {
        String perFrame = frames == 0 ? "" : ", " + bytesPerFrame() + " B per frame";
        return String.format(
                Locale.ROOT,
                "stream %s: %d frames (%dx%d %s), %.3f s audio in %d chunks, %d text events;"
                        + " %.1f MB in %.1f s (%.1f fps, %.1f MB/s)%s",
                streamId,
                frames,
                width,
                height,
                encoding,
                audioSeconds(),
                audioChunks,
                textEvents,
                bytes / 1e6,
                elapsedSeconds(),
                frames / elapsedSeconds(),
                megabytesPerSecond(),
                perFrame);
    }
}
