package io.avfuse.jobs.job;

import io.avfuse.connectors.kafka.ForwardingSource;
import io.avfuse.connectors.kafka.ForwardingSourceReader;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;

/**
 * Test-only failure injection for a MiniCluster job (every task runs in the test's JVM, so the plan
 * is static). One failure is armed at a time, at each {@link Point} in turn (in a shuffled order),
 * a random 0.05-0.4 s after the first checkpoint that completed after the restart that followed the
 * previous failure, so that the job always makes progress between two failures. Points cover the
 * whole checkpoint cycle: a record in the source reader or before the sink, the snapshot (after the
 * sink has flushed its transaction, before the checkpoint completes), and the checkpoint-complete
 * notification (the checkpoint is complete, the sink's transaction may or may not be committed
 * yet).
 *
 * <p>{@code FailureInjection.plan(22); source = FailureInjection.source(kafkaSource);
 * stream.map(FailureInjection.identity("predictions"))}
 */
final class FailureInjection {
    /** Where a failure is thrown. */
    enum Point {
        SOURCE_RECORD,
        SOURCE_SNAPSHOT,
        SOURCE_CHECKPOINT_COMPLETE,
        SINK_RECORD,
        SINK_SNAPSHOT,
        SINK_CHECKPOINT_COMPLETE
    }

    private static final AtomicInteger target = new AtomicInteger();
    private static final AtomicInteger injected = new AtomicInteger();
    private static final Map<Point, AtomicInteger> byPoint = new EnumMap<>(Point.class);
    private static final AtomicReference<Point> armed = new AtomicReference<>();
    private static volatile List<Point> order = List.of(Point.values());
    private static final AtomicLong armedAtNanos = new AtomicLong();
    private static final AtomicInteger maxAttempt = new AtomicInteger();
    private static final AtomicLong lastFailureNanos = new AtomicLong();
    private static final AtomicInteger attemptAtLastFailure = new AtomicInteger(-1);
    private static final AtomicLong recoveryNanos = new AtomicLong();
    private static final AtomicInteger recoveries = new AtomicInteger();

    static {
        for (Point p : Point.values()) {
            byPoint.put(p, new AtomicInteger());
        }
    }

    private FailureInjection() {}

    /** Starts a plan of {@code failures} failures; the first is armed by the first checkpoint. */
    static synchronized void plan(int failures) {
        target.set(failures);
        List<Point> shuffled = new java.util.ArrayList<>(List.of(Point.values()));
        java.util.Collections.shuffle(shuffled);
        order = List.copyOf(shuffled);
        injected.set(0);
        byPoint.values().forEach(c -> c.set(0));
        armed.set(null);
        maxAttempt.set(0);
        lastFailureNanos.set(0);
        attemptAtLastFailure.set(-1);
        recoveryNanos.set(0);
        recoveries.set(0);
    }

    static int injected() {
        return injected.get();
    }

    static Map<Point, Integer> injectedByPoint() {
        Map<Point, Integer> out = new EnumMap<>(Point.class);
        byPoint.forEach((p, c) -> out.put(p, c.get()));
        return out;
    }

    /** Whether the armed failure waits for a record: input must flow for it to fire. */
    static boolean waitsForRecord() {
        Point p = armed.get();
        return p == Point.SOURCE_RECORD || p == Point.SINK_RECORD;
    }

    /** The highest task attempt number seen: restarts of the job (every failover is global). */
    static int restartsObserved() {
        return maxAttempt.get();
    }

    static void attempt(int attemptNumber) {
        maxAttempt.accumulateAndGet(attemptNumber, Math::max);
    }

    /**
     * A checkpoint completed: arm the next failure if none is armed and the plan is not done. A
     * record point that stayed armed for 3 s (no records flow any more) gives way to a checkpoint
     * point, which every checkpoint reaches.
     */
    private static void checkpointCompleted(int attempt) {
        if (attempt <= attemptAtLastFailure.get()) {
            // A notification of the attempt that just failed, still in flight: arming now could
            // fail that attempt a second time before it is cancelled, in one restart.
            return;
        }
        long now = System.nanoTime();
        long failedAt = lastFailureNanos.getAndSet(0);
        if (failedAt != 0) {
            recoveryNanos.addAndGet(now - failedAt);
            recoveries.incrementAndGet();
        }
        if (injected.get() >= target.get()) {
            return;
        }
        Point current = armed.get();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        if (current == null) {
            armedAtNanos.set(now + random.nextLong(50, 400) * 1_000_000L);
            armed.compareAndSet(null, order.get(injected.get() % order.size()));
        } else if ((current == Point.SOURCE_RECORD || current == Point.SINK_RECORD)
                && now - armedAtNanos.get() > 3_000_000_000L) {
            Point[] points = {
                Point.SOURCE_SNAPSHOT,
                Point.SOURCE_CHECKPOINT_COMPLETE,
                Point.SINK_SNAPSHOT,
                Point.SINK_CHECKPOINT_COMPLETE
            };
            armedAtNanos.set(now);
            armed.compareAndSet(current, points[random.nextInt(points.length)]);
        }
    }

    /** Mean time from an injected failure to the next completed checkpoint, in ms. */
    static long meanRecoveryMillis() {
        int n = recoveries.get();
        return n == 0 ? 0 : recoveryNanos.get() / n / 1_000_000L;
    }

    /** Throws when {@code here} is armed and due; exactly one caller wins each failure. */
    private static void maybeFail(Point here, String where) {
        if (armed.get() == here
                && System.nanoTime() >= armedAtNanos.get()
                && armed.compareAndSet(here, null)) {
            int n = injected.incrementAndGet();
            lastFailureNanos.set(System.nanoTime());
            attemptAtLastFailure.set(maxAttempt.get());
            byPoint.get(here).incrementAndGet();
            throw new InjectedFailure("injected failure " + n + " at " + here + " in " + where);
        }
    }

    /** The exception every injected failure throws. */
    static final class InjectedFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InjectedFailure(String message) {
            super(message);
        }
    }

    /** An identity map before a sink that fails at the SINK_* points. */
    static <T> RichMapFunction<T, T> identity(String name) {
        return new FailingIdentity<>(name);
    }

    private static final class FailingIdentity<T> extends RichMapFunction<T, T>
            implements CheckpointedFunction, CheckpointListener {
        private static final long serialVersionUID = 1L;
        private final String name;

        FailingIdentity(String name) {
            this.name = name;
        }

        @Override
        public void open(org.apache.flink.api.common.functions.OpenContext context) {
            attempt(getRuntimeContext().getTaskInfo().getAttemptNumber());
        }

        @Override
        public T map(T value) {
            maybeFail(Point.SINK_RECORD, name);
            return value;
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) {
            maybeFail(Point.SINK_SNAPSHOT, name + " checkpoint " + context.getCheckpointId());
        }

        @Override
        public void initializeState(FunctionInitializationContext context) {}

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            checkpointCompleted(getRuntimeContext().getTaskInfo().getAttemptNumber());
            maybeFail(Point.SINK_CHECKPOINT_COMPLETE, name + " checkpoint " + checkpointId);
        }
    }

    /** {@code source} with a reader that fails at the SOURCE_* points. */
    static <T, S extends SourceSplit, E> Source<T, S, E> source(Source<T, S, E> source) {
        return new FailingSource<>(source);
    }

    private static final class FailingSource<T, S extends SourceSplit, E>
            extends ForwardingSource<T, S, E> {
        private static final long serialVersionUID = 1L;

        FailingSource(Source<T, S, E> delegate) {
            super(delegate);
        }

        @Override
        protected SourceReader<T, S> wrap(SourceReader<T, S> reader, SourceReaderContext context) {
            return new FailingReader<>(reader, context);
        }
    }

    private static final class FailingReader<T, S extends SourceSplit>
            extends ForwardingSourceReader<T, S> {
        private final String name;

        FailingReader(SourceReader<T, S> delegate, SourceReaderContext context) {
            super(delegate);
            this.name = "source reader " + context.getIndexOfSubtask();
        }

        @Override
        public InputStatus pollNext(ReaderOutput<T> output) throws Exception {
            maybeFail(Point.SOURCE_RECORD, name);
            return super.pollNext(output);
        }

        @Override
        public List<S> snapshotState(long checkpointId) {
            List<S> splits = super.snapshotState(checkpointId);
            maybeFail(Point.SOURCE_SNAPSHOT, name + " checkpoint " + checkpointId);
            return splits;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) throws Exception {
            // Before the Kafka reader commits the offsets of this checkpoint to the group.
            maybeFail(Point.SOURCE_CHECKPOINT_COMPLETE, name + " checkpoint " + checkpointId);
            super.notifyCheckpointComplete(checkpointId);
        }
    }
}
