package io.avfuse.jobs.job;

import java.time.Duration;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.TimestampAssignerSupplier;
import org.apache.flink.api.common.eventtime.WatermarkAlignmentParams;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * {@code base} with {@link IdleAfterFirstRecord} idleness, in place of {@code withIdleness}. Apply
 * it before {@code withWatermarkAlignment}, which wraps any strategy.
 *
 * <p>{@code new IdleAfterFirstRecordStrategy<>(base, Duration.ofSeconds(5),
 * Duration.ofSeconds(30)).withWatermarkAlignment(group, drift, interval)}
 */
public final class IdleAfterFirstRecordStrategy<T> implements WatermarkStrategy<T> {
    private static final long serialVersionUID = 1L;

    private final WatermarkStrategy<T> base;
    private final Duration idleness;
    private final Duration startup;

    /**
     * Shared by the generators of one source subtask (the reader's and its splits'). Flink
     * deserializes the source operator, and so this strategy, anew for every task it deploys, so a
     * restarted subtask starts undelivered.
     */
    private transient IdleAfterFirstRecord.SourceStart start;

    /** {@code startup} shorter than {@code idleness} counts as {@code idleness}. */
    public IdleAfterFirstRecordStrategy(
            WatermarkStrategy<T> base, Duration idleness, Duration startup) {
        this.base = base;
        this.idleness = idleness;
        this.startup = startup.compareTo(idleness) < 0 ? idleness : startup;
    }

    @Override
    public WatermarkGenerator<T> createWatermarkGenerator(
            WatermarkGeneratorSupplier.Context context) {
        if (start == null) {
            start = new IdleAfterFirstRecord.SourceStart();
        }
        return new IdleAfterFirstRecord<>(
                base.createWatermarkGenerator(context),
                start,
                idleness,
                startup,
                context.getInputActivityClock());
    }

    @Override
    public TimestampAssigner<T> createTimestampAssigner(TimestampAssignerSupplier.Context context) {
        return base.createTimestampAssigner(context);
    }

    @Override
    public WatermarkAlignmentParams getAlignmentParameters() {
        return base.getAlignmentParameters();
    }
}
