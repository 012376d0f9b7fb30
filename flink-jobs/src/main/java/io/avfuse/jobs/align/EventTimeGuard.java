package io.avfuse.jobs.align;

import io.avfuse.connectors.serde.AvroLimits;
import io.avfuse.schemas.DeadLetter;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Turns records stamped too far ahead of the wall clock into dead letters before they reach the
 * aligner (the watermark assigners already ignore them): one producer with a broken clock must not
 * make every other stream late. Counts them in {@code avfuse.align.modality.<m>.droppedRecords},
 * the aligner's counter of records that never reach a window.
 */
public class EventTimeGuard extends ProcessFunction<ModalityEvent, ModalityEvent> {
    private static final long serialVersionUID = 1L;

    static {
        AvroLimits.ensure(); // this operator deserializes Avro records from the network
    }

    private final long maxFutureUs;
    private final OutputTag<DeadLetter> rejected;
    private final RejectedRecords rejections;
    private transient Map<Modality, Counter> dropped;

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
    public void open(OpenContext openContext) {
        dropped = new EnumMap<>(Modality.class);
        for (Modality m : Modality.values()) {
            dropped.put(
                    m,
                    AlignerMetrics.modalityGroup(getRuntimeContext().getMetricGroup(), m)
                            .counter("droppedRecords"));
        }
    }

    @Override
    public void processElement(ModalityEvent event, Context ctx, Collector<ModalityEvent> out) {
        if (acceptable(event.eventTimeUs(), maxFutureUs)) {
            out.collect(event);
        } else {
            if (dropped != null) {
                dropped.get(event.modality()).inc();
            }
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
