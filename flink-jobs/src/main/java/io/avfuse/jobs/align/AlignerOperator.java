package io.avfuse.jobs.align;

import io.avfuse.schemas.AlignedWindow;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;

/**
 * The {@link StreamAligner} as the job runs it: an operator that also tells the aligner whether its
 * whole input is idle, so that the idle flush fires only when every source has gone quiet, and not
 * when the job has merely fallen behind (sources that are backpressured or still have records to
 * read do not count as idle: Flink's idleness clock pauses while a source is held back).
 */
public final class AlignerOperator
        extends KeyedProcessOperator<String, ModalityEvent, AlignedWindow> {
    private static final long serialVersionUID = 1L;

    public AlignerOperator(StreamAligner aligner) {
        super(aligner.flushingOnlyWhenInputIdle());
    }

    @Override
    public void processWatermarkStatus(WatermarkStatus status) throws Exception {
        super.processWatermarkStatus(status);
        ((StreamAligner) userFunction).inputIdle(status.isIdle());
    }
}
