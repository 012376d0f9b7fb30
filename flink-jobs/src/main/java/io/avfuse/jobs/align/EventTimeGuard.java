package io.avfuse.jobs.align;

import io.avfuse.connectors.serde.AvroLimits;
import io.avfuse.schemas.DeadLetter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Turns records stamped too far ahead of the wall clock into dead letters before they reach the
 * aligner (the watermark assigners already ignore them): one producer with a broken clock must not
 * make every other stream late.
 */
public class EventTimeGuard extends ProcessFunction<ModalityEvent, ModalityEvent> {
    private static final long serialVersionUID = 1L;

    static {
        AvroLimits.ensure(); // this operator deserializes Avro records from the network
    }

    private final long maxFutureUs;
    private final OutputTag<DeadLetter> rejected;
    private final RejectedRecords rejections;

    public EventTimeGuard(
            long maxFutureUs, OutputTag<DeadLetter> rejected, RejectedRecords rejections) {
        this.maxFutureUs = maxFutureUs;
        this.rejected = rejected;
        this.rejections = rejections;
    }

    /** Whether {@code eventTimeUs} is acceptable now; shared with the timestamp assigners. */
    public static boolean acceptable(long eventTimeUs, long maxFutureUs) {
        return eventTimeUs <= System.currentTimeMillis() * 1000 + maxFutureUs;
    }

    @Override
    public void processElement(ModalityEvent event, Context ctx, Collector<ModalityEvent> out) {
        if (acceptable(event.eventTimeUs(), maxFutureUs)) {
            out.collect(event);
        } else {
            ctx.output(
                    rejected,
                    rejections.deadLetter(
                            event,
                            "validate",
                            "event time "
                                    + event.eventTimeUs()
                                    + " µs is more than "
                                    + maxFutureUs / 1_000_000
                                    + " s ahead of the wall clock"));
        }
    }
}
