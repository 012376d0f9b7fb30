package io.avfuse.jobs.align;

import io.avfuse.connectors.kafka.DeadLetterSplitter;
import io.avfuse.connectors.serde.EventTimeGuard;
import io.avfuse.schemas.DeadLetter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Counts a source's {@link EventTimeGuard} dead letters in {@code
 * avfuse.align.modality.<m>.droppedRecords}, the aligner's counter of records that never reach a
 * window: the guard rejects them while decoding, before anything of the job sees them.
 *
 * <p>{@code DeadLetterSplitter.split(stream, VideoFrame.class, "video", new
 * FutureRecordCounter(Modality.VIDEO))}
 */
public record FutureRecordCounter(Modality modality) implements DeadLetterSplitter.Counted {
    private static final long serialVersionUID = 1L;

    @Override
    public Counter register(MetricGroup operatorMetrics) {
        return AlignerMetrics.modalityGroup(operatorMetrics, modality).counter("droppedRecords");
    }

    @Override
    public boolean counts(DeadLetter deadLetter) {
        return EventTimeGuard.ERROR_CLASS.equals(deadLetter.getErrorClass());
    }
}
