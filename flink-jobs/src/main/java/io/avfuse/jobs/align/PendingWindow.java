package io.avfuse.jobs.align;

import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.VideoFrame;
import java.util.Arrays;

/**
 * Keyed state of one window that has not been emitted yet: what each modality delivered so far. A
 * Flink POJO (arrays of Avro records, primitive arrays), so no Kryo is involved.
 */
public class PendingWindow {
    static {
        io.avfuse.connectors.serde.AvroLimits.ensure(); // restored from state before any open()
    }

    public long startUs;
    public VideoFrame[] frames = new VideoFrame[0];
    public int framesSeen;
    public int framesEvicted;

    /** Rate and channels of the window's audio, set by the first chunk. */
    public int sampleRate;

    public int channels;

    /**
     * Audio as F32LE interleaved sample frames, allocated for the whole window by the first chunk.
     * Bytes rather than floats: Flink writes a {@code byte[]} to a checkpoint in one bulk copy but
     * a {@code float[]} one float at a time, through four stream layers per byte, and with 1,000
     * streams of 4 s windows at 16 kHz this state is 256 MB per window generation (docs
     * reliability.md, Soak).
     */
    public byte[] audioF32le;

    /**
     * Audio of a window restored from state written before {@link #audioF32le}; moved there on
     * first use, so it is null in every window this version writes.
     */
    public float[] audio;

    /** One bit per sample frame of {@link #audio} that real audio filled. */
    public long[] covered;

    public TextEvent[] texts = new TextEvent[0];
    public int textsEvicted;
    public TextEvent metadata;

    public PendingWindow() {}

    public PendingWindow(long startUs) {
        this.startUs = startUs;
    }

    void addFrame(VideoFrame frame, int cap) {
        framesSeen++;
        frames = Arrays.copyOf(frames, frames.length + 1);
        frames[frames.length - 1] = frame;
        if (frames.length > cap) {
            // Thin evenly rather than drop the newest: K frames are later sampled across the
            // whole window, so spread matters more than density.
            Arrays.sort(frames, java.util.Comparator.comparingLong(VideoFrame::getEventTimeUs));
            VideoFrame[] kept = new VideoFrame[(frames.length + 1) / 2];
            for (int i = 0; i < kept.length; i++) {
                kept[i] = frames[i * 2];
            }
            framesEvicted += frames.length - kept.length;
            frames = kept;
        }
    }

    void addText(TextEvent text, int cap) {
        texts = Arrays.copyOf(texts, texts.length + 1);
        texts[texts.length - 1] = text;
        if (texts.length > cap) {
            Arrays.sort(texts, java.util.Comparator.comparingLong(TextEvent::getEventTimeUs));
            texts = Arrays.copyOfRange(texts, 1, texts.length);
            textsEvicted++;
        }
    }

    void offerMetadata(TextEvent event) {
        if (metadata == null || event.getEventTimeUs() >= metadata.getEventTimeUs()) {
            metadata = event;
        }
    }

    boolean hasAudio() {
        return audioF32le != null || audio != null;
    }

    /** Frames or audio: what makes a pending window weigh tens of kilobytes. */
    boolean holdsMedia() {
        return frames.length > 0 || hasAudio();
    }

    /** Moves audio restored in the float layout to {@link #audioF32le}. */
    void upgradeAudio() {
        if (audio != null) {
            audioF32le = new byte[audio.length * 4];
            java.nio.ByteBuffer.wrap(audioF32le)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer()
                    .put(audio);
            audio = null;
        }
    }
}
