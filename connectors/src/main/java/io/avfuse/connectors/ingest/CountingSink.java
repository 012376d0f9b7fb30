package io.avfuse.connectors.ingest;

import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.VideoFrame;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A sink that keeps nothing but counts (and, when asked, the records themselves, for tests). Used
 * by {@code --dry-run}: decode and encode without Kafka.
 */
public final class CountingSink implements RecordSink {
    private final boolean keep;
    private final List<VideoFrame> frames = Collections.synchronizedList(new ArrayList<>());
    private final List<AudioChunk> chunks = Collections.synchronizedList(new ArrayList<>());
    private final List<TextEvent> texts = Collections.synchronizedList(new ArrayList<>());

    public CountingSink(boolean keep) {
        this.keep = keep;
    }

    @Override
    public void video(VideoFrame frame) {
        if (keep) {
            frames.add(frame);
        }
    }

    @Override
    public void audio(AudioChunk chunk) {
        if (keep) {
            chunks.add(chunk);
        }
    }

    @Override
    public void text(TextEvent event) {
        if (keep) {
            texts.add(event);
        }
    }

    public List<VideoFrame> frames() {
        return frames;
    }

    public List<AudioChunk> chunks() {
        return chunks;
    }

    public List<TextEvent> texts() {
        return texts;
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
}
