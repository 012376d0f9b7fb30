package io.avfuse.jobs.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkAlignmentParams;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.streaming.api.operators.util.PausableRelativeClock;
import org.apache.flink.util.InstantiationUtil;
import org.apache.flink.util.clock.ManualClock;
import org.apache.flink.util.clock.RelativeClock;
import org.junit.jupiter.api.Test;

/**
 * {@link IdleAfterFirstRecord} driven the way Flink's source operator drives it: records, then a
 * periodic emit every 200 ms of its input-activity clock.
 */
class IdleAfterFirstRecordTest {
    private static final Duration IDLENESS = Duration.ofSeconds(1);
    private static final Duration STARTUP = Duration.ofSeconds(10);
    private static final Duration PERIOD = Duration.ofMillis(200);

    private final ManualClock clock = new ManualClock();
    private final Output output = new Output();

    @Test
    void aSourceThatHasNotDeliveredIsNotIdleBeforeTheStartupBound() {
        WatermarkGenerator<Long> gen = generator(new IdleAfterFirstRecord.SourceStart(), clock);

        emitFor(gen, STARTUP); // the first emit starts the count, so this is 9.8 s of silence
        assertThat(output.idleMarks).isZero();

        emitFor(gen, PERIOD.multipliedBy(2)); // 10.2 s: more than the bound
        assertThat(output.idleMarks).isEqualTo(1);
        emitFor(gen, Duration.ofSeconds(5)); // marked once, not on every emit
        assertThat(output.idleMarks).isEqualTo(1);
    }

    @Test
    void onceItDeliveredItIsIdleAfterTheIdlenessAndARecordMakesItActiveAgain() {
        WatermarkGenerator<Long> gen = generator(new IdleAfterFirstRecord.SourceStart(), clock);
        emitFor(gen, Duration.ofSeconds(3));

        gen.onEvent(5_000L, 5_000L, output);
        // Counted from the first emit that finds no record (3.2 s), as Flink counts: at 4.2 s
        // silent for 1 s, not more.
        emitFor(gen, IDLENESS.plus(PERIOD.multipliedBy(2)));
        assertThat(output.idleMarks).isZero();
        assertThat(output.lastWatermark()).isEqualTo(5_000L - 1);

        emitFor(gen, PERIOD);
        assertThat(output.idleMarks).isEqualTo(1);

        gen.onEvent(6_000L, 6_000L, output);
        int watermarksBefore = output.watermarks.size();
        emitFor(gen, PERIOD);
        assertThat(output.watermarks).hasSizeGreaterThan(watermarksBefore);
        assertThat(output.lastWatermark()).isEqualTo(6_000L - 1);
    }

    @Test
    void recordsKeepItActiveForAsLongAsTheyFlow() {
        WatermarkGenerator<Long> gen = generator(new IdleAfterFirstRecord.SourceStart(), clock);
        for (long t = 0; t < 60_000; t += 800) {
            gen.onEvent(t, t, output);
            emitFor(gen, Duration.ofMillis(800));
        }
        assertThat(output.idleMarks).isZero();
    }

    @Test
    void timeWhileTheSourceIsBackpressuredDoesNotCount() {
        // Flink's source operator pauses this clock while its output is backpressured or the
        // split is paused for watermark alignment.
        PausableRelativeClock activity = new PausableRelativeClock(clock);
        WatermarkGenerator<Long> gen = generator(new IdleAfterFirstRecord.SourceStart(), activity);
        emitFor(gen, Duration.ofSeconds(4));

        activity.pause();
        emitFor(gen, Duration.ofMinutes(2));
        assertThat(output.idleMarks).isZero();

        activity.unPause();
        emitFor(gen, Duration.ofSeconds(5)); // 4 + 5 s of silence counted: not yet 10
        assertThat(output.idleMarks).isZero();
        emitFor(gen, Duration.ofSeconds(2));
        assertThat(output.idleMarks).isEqualTo(1);
    }

    @Test
    void theReadersOwnGeneratorLearnsFromASplitThatTheSubtaskDelivered() {
        // A reader that emits through per-split outputs sends no record through its own
        // generator; the subtask becomes idle only when that one is idle too.
        IdleAfterFirstRecord.SourceStart start = new IdleAfterFirstRecord.SourceStart();
        WatermarkGenerator<Long> reader = generator(start, clock);
        Output readerOutput = new Output();
        WatermarkGenerator<Long> split = generator(start, clock);

        for (int i = 0; i < 10; i++) { // 2 s of silence
            reader.onPeriodicEmit(readerOutput);
            clock.advanceTime(PERIOD);
        }
        assertThat(readerOutput.idleMarks).isZero();

        split.onEvent(1_000L, 1_000L, output);
        assertThat(start.delivered()).isTrue();
        reader.onPeriodicEmit(readerOutput);
        assertThat(readerOutput.idleMarks).isEqualTo(1);
    }

    @Test
    void aStartupBoundShorterThanTheIdlenessIsRefused() {
        assertThatThrownBy(
                        () ->
                                new IdleAfterFirstRecord<>(
                                        base().createWatermarkGenerator(context(clock)),
                                        new IdleAfterFirstRecord.SourceStart(),
                                        Duration.ofSeconds(5),
                                        Duration.ofSeconds(1),
                                        clock))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theStrategySharesOneStartPerDeserializedCopyAndKeepsAlignment() throws Exception {
        WatermarkStrategy<Long> strategy =
                new IdleAfterFirstRecordStrategy<>(base(), IDLENESS, STARTUP)
                        .withWatermarkAlignment("g", Duration.ofSeconds(10), PERIOD);
        WatermarkAlignmentParams alignment = strategy.getAlignmentParameters();
        assertThat(alignment.getWatermarkGroup()).isEqualTo("g");
        assertThat(alignment.getMaxAllowedWatermarkDrift()).isEqualTo(10_000L);

        // As one source subtask sees it: its reader's generator, then one per split.
        WatermarkStrategy<Long> subtask = InstantiationUtil.clone(strategy);
        WatermarkGenerator<Long> reader = subtask.createWatermarkGenerator(context(clock));
        WatermarkGenerator<Long> split = subtask.createWatermarkGenerator(context(clock));
        split.onEvent(1L, 1L, output);
        reader.onPeriodicEmit(output);
        clock.advanceTime(IDLENESS.plus(PERIOD));
        reader.onPeriodicEmit(output);
        assertThat(output.idleMarks).isEqualTo(1);

        // A restarted subtask deploys a fresh copy: it has not delivered.
        Output restarted = new Output();
        WatermarkGenerator<Long> again =
                InstantiationUtil.clone(strategy).createWatermarkGenerator(context(clock));
        again.onPeriodicEmit(restarted);
        clock.advanceTime(IDLENESS.plus(PERIOD));
        again.onPeriodicEmit(restarted);
        assertThat(restarted.idleMarks).isZero();
    }

    @Test
    void aStartupBoundBelowTheIdlenessCountsAsTheIdleness() {
        WatermarkGenerator<Long> gen =
                new IdleAfterFirstRecordStrategy<>(base(), Duration.ofSeconds(3), Duration.ZERO)
                        .createWatermarkGenerator(context(clock));
        emitFor(gen, Duration.ofSeconds(3));
        assertThat(output.idleMarks).isZero();
        emitFor(gen, PERIOD.multipliedBy(2));
        assertThat(output.idleMarks).isEqualTo(1);
    }

    private WatermarkGenerator<Long> generator(
            IdleAfterFirstRecord.SourceStart start, RelativeClock activity) {
        return new IdleAfterFirstRecord<>(
                base().createWatermarkGenerator(context(activity)),
                start,
                IDLENESS,
                STARTUP,
                activity);
    }

    private static WatermarkStrategy<Long> base() {
        return WatermarkStrategy.<Long>forBoundedOutOfOrderness(Duration.ZERO)
                .withTimestampAssigner((event, previous) -> event);
    }

    /** Periodic emits every 200 ms of wall time for {@code span}, starting now. */
    private void emitFor(WatermarkGenerator<Long> gen, Duration span) {
        for (long done = 0; done < span.toMillis(); done += PERIOD.toMillis()) {
            gen.onPeriodicEmit(output);
            clock.advanceTime(PERIOD);
        }
    }

    private static WatermarkGeneratorSupplier.Context context(RelativeClock activity) {
        return new WatermarkGeneratorSupplier.Context() {
            @Override
            public MetricGroup getMetricGroup() {
                return new UnregisteredMetricsGroup();
            }

            @Override
            public RelativeClock getInputActivityClock() {
                return activity;
            }
        };
    }

    /** What a source's watermark output receives. */
    private static final class Output implements WatermarkOutput {
        final List<Long> watermarks = new ArrayList<>();
        int idleMarks;

        @Override
        public void emitWatermark(Watermark watermark) {
            watermarks.add(watermark.getTimestamp());
        }

        @Override
        public void markIdle() {
            idleMarks++;
        }

        @Override
        public void markActive() {}

        long lastWatermark() {
            return watermarks.get(watermarks.size() - 1);
        }
    }
}
