package io.avfuse.jobs.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 3, unit = TimeUnit.MINUTES) // a pipelining bug would otherwise hang the build
class BatchingInferenceOperatorTest {
    /** Batch sizes of every call, shared across the serialized copies the harness makes. */
    static final List<Integer> CALLS = new CopyOnWriteArrayList<>();

    /** The CPU threads each opened copy was given. */
    static final List<Integer> THREADS = new CopyOnWriteArrayList<>();

    /** Squares each number; records the batch sizes it was called with. */
    static final class Squares implements BatchInference<Integer, Integer> {
        String device;

        @Override
        public void open(String device, int cpuThreads) {
            this.device = device;
            THREADS.add(cpuThreads);
        }

        @Override
        public List<Integer> infer(List<Integer> batch) {
            CALLS.add(batch.size());
            return batch.stream().map(x -> x * x).toList();
        }

        @Override
        public void close() {}
    }

    /** A model call the test holds until it releases {@link #RELEASE}; records its threads. */
    static final class HeldSquares implements BatchInference<Integer, Integer> {
        @Override
        public void open(String device, int cpuThreads) {
            MODEL_THREADS.add("open " + Thread.currentThread().getName());
        }

        @Override
        public List<Integer> infer(List<Integer> batch) throws Exception {
            MODEL_THREADS.add("infer " + Thread.currentThread().getName());
            STARTED.release();
            if (!RELEASE.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never released the model");
            }
            CALLS.add(batch.size());
            return batch.stream().map(x -> x * x).toList();
        }

        @Override
        public void close() {
            MODEL_THREADS.add("close " + Thread.currentThread().getName());
        }
    }

    /** A model whose every call fails. */
    static final class Broken implements BatchInference<Integer, Integer> {
        @Override
        public void open(String device, int cpuThreads) {}

        @Override
        public List<Integer> infer(List<Integer> batch) {
            throw new IllegalArgumentException("no such tensor");
        }

        @Override
        public void close() {}
    }

    static final List<String> MODEL_THREADS = new CopyOnWriteArrayList<>();
    static final Semaphore STARTED = new Semaphore(0);
    static volatile CountDownLatch RELEASE = new CountDownLatch(0);

    private static OneInputStreamOperatorTestHarness<Integer, Integer> harness(int max, long waitMs)
            throws Exception {
        return harness(new Squares(), max, waitMs, 0);
    }

    private static OneInputStreamOperatorTestHarness<Integer, Integer> harness(
            BatchInference<Integer, Integer> model, int max, long waitMs, int pipelined)
            throws Exception {
        CALLS.clear();
        MODEL_THREADS.clear();
        STARTED.drainPermits();
        RELEASE = new CountDownLatch(1);
        var h =
                new OneInputStreamOperatorTestHarness<>(
                        new BatchingInferenceOperator<>(model, max, waitMs, 0, pipelined));
        h.setProcessingTime(1_000);
        h.open();
        return h;
    }

    private static int inFlight(OneInputStreamOperatorTestHarness<Integer, Integer> h) {
        return ((BatchingInferenceOperator<?, ?>) h.getOneInputOperator()).inFlightBatches();
    }

    @Test
    void aFullBatchIsOneCall() throws Exception {
        try (var h = harness(4, 50)) {
            for (int i = 1; i <= 9; i++) {
                h.processElement(new StreamRecord<>(i, 100L + i));
            }
            assertThat(CALLS).containsExactly(4, 4);
            assertThat(h.extractOutputValues()).containsExactly(1, 4, 9, 16, 25, 36, 49, 64);
            assertThat(
                            h.getOutput().stream()
                                    .map(o -> ((StreamRecord<?>) o).getTimestamp())
                                    .toList())
                    .as("each result keeps its sample's timestamp")
                    .containsExactly(101L, 102L, 103L, 104L, 105L, 106L, 107L, 108L);
        }
    }

    @Test
    void theWaitBudgetFlushesAPartialBatch() throws Exception {
        try (var h = harness(32, 50)) {
            h.processElement(new StreamRecord<>(2, 1L));
            h.setProcessingTime(1_030);
            h.processElement(new StreamRecord<>(3, 2L));
            h.setProcessingTime(1_049);
            assertThat(CALLS).isEmpty();
            h.setProcessingTime(1_050); // the oldest has waited 50 ms
            assertThat(CALLS).containsExactly(2);
            assertThat(h.extractOutputValues()).containsExactly(4, 9);
            h.processElement(new StreamRecord<>(5, 3L));
            h.setProcessingTime(1_099);
            assertThat(CALLS).containsExactly(2);
            h.setProcessingTime(1_100);
            assertThat(CALLS).containsExactly(2, 1);
        }
    }

    @ParameterizedTest(name = "pipelined batches {0}")
    @ValueSource(ints = {0, 1, 2})
    void aCheckpointFlushesFirstSoRestoringLosesAndRepeatsNothing(int pipelined) throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(new Squares(), 32, 10_000, pipelined)) {
            h.processElement(new StreamRecord<>(2, 1L));
            h.processElement(new StreamRecord<>(3, 2L));
            // What the task does for checkpoint 1: pre-barrier hook, then the state snapshot.
            h.prepareSnapshotPreBarrier(1L);
            snapshot = h.snapshot(1L, 1_000L);
            assertThat(h.extractOutputValues())
                    .as("emitted before the barrier, so they belong to checkpoint 1")
                    .containsExactly(4, 9);
        }
        CALLS.clear();
        var restored =
                new OneInputStreamOperatorTestHarness<>(
                        new BatchingInferenceOperator<>(new Squares(), 32, 10_000, 0, pipelined));
        restored.initializeState(snapshot);
        restored.open();
        restored.processElement(new StreamRecord<>(4, 3L));
        restored.endInput();
        assertThat(restored.extractOutputValues()).containsExactly(16);
        restored.close();
    }

    @ParameterizedTest(name = "pipelined batches {0}")
    @ValueSource(ints = {0, 1, 2})
    void resultsNeverTrailTheWatermarkTheirSamplesPreceded(int pipelined) throws Exception {
        try (var h = harness(new Squares(), 32, 10_000, pipelined)) {
            h.processElement(new StreamRecord<>(2, 10L));
            h.processWatermark(new Watermark(20L));
            h.processElement(new StreamRecord<>(3, 30L));
            h.endInput();
            List<Object> out = new ArrayList<>(h.getOutput());
            assertThat(out).hasSize(3);
            assertThat(((StreamRecord<?>) out.get(0)).getValue()).isEqualTo(4);
            assertThat(out.get(1)).isEqualTo(new Watermark(20L));
            assertThat(((StreamRecord<?>) out.get(2)).getValue()).isEqualTo(9);
        }
    }

    /** Everything the operator emitted: records with their timestamps, and watermarks. */
    private static List<Object> run(int pipelined) throws Exception {
        try (var h = harness(new Squares(), 3, 50, pipelined)) {
            long ts = 100;
            for (int i = 1; i <= 40; i++) {
                h.processElement(new StreamRecord<>(i, ts += 7));
                if (i % 6 == 0) {
                    h.processWatermark(new Watermark(ts - 3));
                }
                if (i % 11 == 0) {
                    h.setProcessingTime(h.getProcessingTime() + 60); // a partial batch times out
                }
                if (i == 25) {
                    h.prepareSnapshotPreBarrier(1L);
                }
            }
            h.endInput();
            assertThat(inFlight(h)).isZero();
            return new ArrayList<>(h.getOutput());
        }
    }

    @Test
    void pipelinedResultsAreTheSynchronousOnesInTheSameOrderWithTheirTimestamps() throws Exception {
        List<Object> synchronous = run(0);
        assertThat(synchronous.stream().filter(o -> o instanceof StreamRecord<?>).count())
                .isEqualTo(40);
        assertThat(synchronous).filteredOn(o -> o instanceof Watermark).hasSize(6);
        assertThat(run(1)).isEqualTo(synchronous);
        assertThat(run(2)).isEqualTo(synchronous);
    }

    @Test
    void theModelRunsOnItsOwnThreadWhileTheTaskThreadFillsTheNextBatches() throws Exception {
        try (var h = harness(new HeldSquares(), 2, 10_000, 2)) {
            h.processElement(new StreamRecord<>(1, 11L));
            h.processElement(new StreamRecord<>(2, 12L)); // batch 1 goes to the model, held
            assertThat(STARTED.tryAcquire(60, TimeUnit.SECONDS)).isTrue();
            h.processElement(new StreamRecord<>(3, 13L));
            h.processElement(new StreamRecord<>(4, 14L)); // batch 2 waits for the model thread
            h.processElement(new StreamRecord<>(5, 15L)); // buffered
            assertThat(inFlight(h))
                    .as("the task thread returned while two batches are with the model")
                    .isEqualTo(2);
            assertThat(h.getOutput()).isEmpty();
            RELEASE.countDown();
            h.endInput();
            assertThat(h.extractOutputValues()).containsExactly(1, 4, 9, 16, 25);
            assertThat(CALLS).containsExactly(2, 2, 1);
        }
        String taskThread = Thread.currentThread().getName();
        assertThat(MODEL_THREADS)
                .as("opened, called and closed on the operator's own thread")
                .containsExactly(
                        "open avfuse-infer-0",
                        "infer avfuse-infer-0",
                        "infer avfuse-infer-0",
                        "infer avfuse-infer-0",
                        "close avfuse-infer-0")
                .noneMatch(t -> t.endsWith(" " + taskThread));
    }

    @Test
    void pastTheInFlightLimitTheTaskThreadWaitsForTheModel() throws Exception {
        Thread taskThread = Thread.currentThread();
        AtomicBoolean returned = new AtomicBoolean();
        AtomicBoolean sawTaskWaiting = new AtomicBoolean();
        try (var h = harness(new HeldSquares(), 1, 10_000, 1)) {
            Thread releaser =
                    new Thread(
                            () -> {
                                try {
                                    STARTED.acquire();
                                    long deadline = System.nanoTime() + 60_000_000_000L;
                                    while (System.nanoTime() < deadline && !returned.get()) {
                                        Thread.State state = taskThread.getState();
                                        if ((state == Thread.State.WAITING
                                                        || state == Thread.State.TIMED_WAITING)
                                                && !returned.get()) {
                                            sawTaskWaiting.set(true);
                                            break;
                                        }
                                        Thread.sleep(1);
                                    }
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                } finally {
                                    RELEASE.countDown();
                                }
                            });
            releaser.start();
            h.processElement(new StreamRecord<>(1, 1L)); // with the model, held
            h.processElement(new StreamRecord<>(2, 2L)); // waits: one batch in flight at most
            returned.set(true);
            releaser.join();
            assertThat(sawTaskWaiting)
                    .as("the second batch waited until the model released the first")
                    .isTrue();
            assertThat(h.extractOutputValues()).containsExactly(1);
            h.endInput();
            assertThat(h.extractOutputValues()).containsExactly(1, 4);
        }
    }

    @Test
    void aWatermarkWaitsBehindTheBatchHandedOverBeforeIt() throws Exception {
        try (var h = harness(new HeldSquares(), 32, 10_000, 1)) {
            h.processElement(new StreamRecord<>(2, 10L));
            h.processWatermark(new Watermark(20L)); // hands [2] over, held
            h.processElement(new StreamRecord<>(3, 30L));
            assertThat(h.getOutput()).as("neither the result nor the watermark yet").isEmpty();
            RELEASE.countDown();
            h.endInput();
            assertThat(new ArrayList<>(h.getOutput()))
                    .containsExactly(
                            new StreamRecord<>(4, 10L),
                            new Watermark(20L),
                            new StreamRecord<>(9, 30L));
        }
    }

    @Test
    void beforeABarrierEveryBufferedAndHandedOverSampleIsEmitted() throws Exception {
        try (var h = harness(new HeldSquares(), 2, 10_000, 2)) {
            for (int i = 1; i <= 5; i++) {
                h.processElement(new StreamRecord<>(i, i));
            }
            assertThat(inFlight(h)).isEqualTo(2);
            assertThat(h.getOutput()).isEmpty();
            RELEASE.countDown();
            h.prepareSnapshotPreBarrier(1L);
            assertThat(h.extractOutputValues()).containsExactly(1, 4, 9, 16, 25);
            assertThat(inFlight(h)).isZero();
        }
    }

    @ParameterizedTest(name = "pipelined batches {0}")
    @ValueSource(ints = {0, 1})
    void aFailingModelCallFailsTheTask(int pipelined) throws Exception {
        try (var h = harness(new Broken(), 2, 10_000, pipelined)) {
            assertThatThrownBy(
                            () -> {
                                h.processElement(new StreamRecord<>(1, 1L));
                                h.processElement(new StreamRecord<>(2, 2L));
                                h.endInput();
                            })
                    .hasStackTraceContaining("no such tensor");
            assertThat(h.getOutput()).isEmpty();
        }
    }

    @Test
    void theDeviceIsTheGpuFlinkGrantedElseTheCpu() {
        ExternalResourceInfo gpu =
                new ExternalResourceInfo() {
                    @Override
                    public Optional<String> getProperty(String key) {
                        return Optional.ofNullable(Map.of("index", "1").get(key));
                    }

                    @Override
                    public java.util.Collection<String> getKeys() {
                        return Set.of("index");
                    }
                };
        assertThat(BatchingInferenceOperator.deviceFrom(Set.of(gpu))).isEqualTo("gpu:1");
        assertThat(BatchingInferenceOperator.deviceFrom(Set.of())).isEqualTo("cpu");
    }

    @Test
    void eachSlotGetsItsShareOfTheCoresUnlessConfigured() throws Exception {
        assertThat(BatchingInferenceOperator.cpuThreads(0, 16, 4)).isEqualTo(4);
        assertThat(BatchingInferenceOperator.cpuThreads(0, 2, 4)).isEqualTo(1);
        assertThat(BatchingInferenceOperator.cpuThreads(3, 16, 4)).isEqualTo(3);
        THREADS.clear();
        try (var h = harness(4, 50)) {
            // The harness's TaskManager has one slot: the whole machine.
            assertThat(THREADS).containsExactly(Runtime.getRuntime().availableProcessors());
        }
    }
}
