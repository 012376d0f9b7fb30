package io.avfuse.connectors.ingest;

import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.VideoFrame;

/**
 * Where ingest puts its records: Kafka ({@link KafkaRecordSink}) or nowhere but a byte count
 * ({@link CountingSink}, for {@code --dry-run} and benchmarks). Thread-safe: several inputs share
 * one sink.
 */
public interface RecordSink extends AutoCloseable {
    void video(VideoFrame frame);

    void audio(AudioChunk chunk);

    void text(TextEvent event);

    /** Waits until everything sent so far is acknowledged; throws the first failure. */
    void flush();

    @Override
    void close();
}
