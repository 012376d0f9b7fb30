package io.avfuse.jobs.job;

import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * Where an unbounded source starts reading a partition when the job starts without state (no
 * checkpoint or savepoint to restore; with one, the offsets in it always win).
 */
public enum StartingOffsets {
    /** The beginning of each partition: the whole topic is read again (Flink's default). */
    EARLIEST,
    /**
     * The job's consumer group's committed offsets (committed at each completed checkpoint), the
     * beginning where the group has none: a redeploy that lost its savepoint resumes close to where
     * the last run stopped instead of repeating everything.
     */
    COMMITTED,
    /** The end of each partition: only what arrives after the start. */
    LATEST;

    @SuppressWarnings("deprecation") // the connector's committedOffsets still takes the old enum
    OffsetsInitializer initializer() {
        return switch (this) {
            case EARLIEST -> OffsetsInitializer.earliest();
            case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
            case LATEST -> OffsetsInitializer.latest();
        };
    }
}
