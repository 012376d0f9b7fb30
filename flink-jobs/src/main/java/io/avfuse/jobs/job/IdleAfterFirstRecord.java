package io.avfuse.jobs.job;

import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.util.clock.RelativeClock;

/**
 * Source idleness that tells a source which has not delivered yet from one that went quiet. Like
 * Flink's {@code WatermarksWithIdleness} it marks its output idle after a silence measured on the
 * source's input-activity clock (which stands still while the source is backpressured or paused for
 * watermark alignment); but until the source subtask has delivered a record since it was
 * (re)started, the silence must last {@code startup} instead of {@code idleness}. A source that is
 * still resuming after a failover, or busy with its first fetch under load, therefore keeps holding
 * the watermark instead of letting the other modalities close its windows; a partition that is
 * really empty still goes idle once {@code startup} has passed.
 *
 * <p>{@code new IdleAfterFirstRecord<>(generator, new SourceStart(), idleness, startup, clock)}
 */
public final class IdleAfterFirstRecord<T> implements WatermarkGenerator<T> {
    private static final long UNSET = Long.MIN_VALUE;

    private final WatermarkGenerator<T> watermarks;
    private final SourceStart start;
    private final RelativeClock clock;
    private final long idleNanos;
    private final long startupNanos;

    private long events;
    private long eventsAtLastCheck;
    private long quietSinceNanos = UNSET;
    private boolean idle;

    /**
     * @param start shared by every generator of one source subtask since its (re)start: the
     *     reader-level generator sees no records when a reader emits through per-split outputs, and
     *     must still learn that the subtask has delivered
     */
    public IdleAfterFirstRecord(
            WatermarkGenerator<T> watermarks,
            SourceStart start,
            Duration idleness,
            Duration startup,
            RelativeClock clock) {
        if (idleness.isZero() || idleness.isNegative() || startup.compareTo(idleness) < 0) {
            throw new IllegalArgumentException(
                    "need 0 < idleness <= startup, got " + idleness + " and " + startup);
        }
        this.watermarks = watermarks;
        this.start = start;
        this.clock = clock;
        this.idleNanos = idleness.toNanos();
        this.startupNanos = startup.toNanos();
    }

    @Override
    public void onEvent(T event, long eventTimestamp, WatermarkOutput output) {
        watermarks.onEvent(event, eventTimestamp, output);
        events++;
        start.delivered = true;
        idle = false;
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        if (quiet()) {
            if (!idle) {
                output.markIdle();
                idle = true;
            }
        } else {
            watermarks.onPeriodicEmit(output);
        }
    }

    /**
     * Counts from the first periodic emit that found no record since the one before, as Flink's
     * {@code WatermarksWithIdleness.IdlenessTimer} does, so that a source which has delivered goes
     * idle exactly when it did before; the clock is never read per record.
     */
    private boolean quiet() {
        if (events != eventsAtLastCheck) {
            eventsAtLastCheck = events;
            quietSinceNanos = UNSET;
            return false;
        }
        if (quietSinceNanos == UNSET) {
            quietSinceNanos = clock.relativeTimeNanos();
            return false;
        }
        long silence = clock.relativeTimeNanos() - quietSinceNanos;
        return silence > (start.delivered ? idleNanos : startupNanos);
    }

    /**
     * Whether a source subtask has delivered a record since it was (re)started. One instance per
     * subtask and attempt: {@link IdleAfterFirstRecordStrategy} keeps it in a transient field, and
     * Flink deserializes a fresh copy of the strategy for every task it deploys.
     */
    public static final class SourceStart {
        private boolean delivered;

        public boolean delivered() {
            return delivered;
        }
    }
}
