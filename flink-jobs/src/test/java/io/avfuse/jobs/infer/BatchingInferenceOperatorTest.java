package io.avfuse.jobs.infer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

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

    private static OneInputStreamOperatorTestHarness<Integer, Integer> harness(int max, long waitMs)
            throws Exception {
        CALLS.clear();
        var h =
                new OneInputStreamOperatorTestHarness<>(
                        new BatchingInferenceOperator<>(new Squares(), max, waitMs));
        h.setProcessingTime(1_000);
        h.open();
        return h;
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

    @Test
    void aCheckpointFlushesFirstSoRestoringLosesAndRepeatsNothing() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(32, 10_000)) {
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
                        new BatchingInferenceOperator<>(new Squares(), 32, 10_000));
        restored.initializeState(snapshot);
        restored.open();
        restored.processElement(new StreamRecord<>(4, 3L));
        restored.endInput();
        assertThat(restored.extractOutputValues()).containsExactly(16);
        restored.close();
    }

    @Test
    void resultsNeverTrailTheWatermarkTheirSamplesPreceded() throws Exception {
        try (var h = harness(32, 10_000)) {
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
