package io.avfuse.jobs.swap;

import static io.avfuse.jobs.model.FusionInferenceTest.window;
import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.jobs.infer.BatchingInferenceOperator;
import io.avfuse.jobs.model.ModelVersions;
import io.avfuse.jobs.model.Scored;
import io.avfuse.schemas.AlignedWindow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The hot-swap operator in Flink's operator test harness with real models on the PyTorch engine,
 * announced through a watched directory: a loaded model switches in only at a checkpoint barrier,
 * never inside a batch nor at a size, timer or watermark flush; a restore serves the checkpointed
 * version; refused models leave the serving one in place and keep the failure flag up until a good
 * one loads.
 */
class HotSwapInferenceOperatorTest {
    @TempDir Path tmp;

    private OneInputStreamOperatorTestHarness<AlignedWindow, Scored> harness(
            Path modelDir, Path watch) throws Exception {
        return harness(modelDir, watch, BatchingInferenceOperator.DEFAULT_PIPELINED_BATCHES);
    }

    private OneInputStreamOperatorTestHarness<AlignedWindow, Scored> harness(
            Path modelDir, Path watch, int pipelined) throws Exception {
        var op =
                new HotSwapInferenceOperator(
                        modelDir,
                        new ModelSwapSettings(null, null, watch.toString(), Duration.ofMillis(20)),
                        4,
                        60_000,
                        1,
                        pipelined);
        return new OneInputStreamOperatorTestHarness<>(op);
    }

    private static ModelLoader loader(OneInputStreamOperatorTestHarness<AlignedWindow, Scored> h) {
        return ((HotSwapInferenceOperator) h.getOperator()).loader();
    }

    private static void feed(
            OneInputStreamOperatorTestHarness<AlignedWindow, Scored> h, int from, int to)
            throws Exception {
        for (int i = from; i < to; i++) {
            h.processElement(new StreamRecord<>(window("s", i, true, true, true), i));
        }
    }

    private static List<String> versions(
            OneInputStreamOperatorTestHarness<AlignedWindow, Scored> h) {
        return h.extractOutputValues().stream().map(s -> s.prediction.getModelVersion()).toList();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @ParameterizedTest(name = "pipelined batches {0}")
    @ValueSource(ints = {0, 1})
    void aLoadedModelSwitchesInOnlyAtACheckpointBarrierAndARestoreServesIt(int pipelined)
            throws Exception {
        Path v1 = ModelVersions.save(tmp.resolve("v1"), "v1", 1);
        Path watch = Files.createDirectories(tmp.resolve("watch"));
        OperatorSubtaskState snapshot;
        try (var h = harness(v1, watch, pipelined)) {
            h.setup();
            h.open();
            feed(h, 0, 2); // half a batch waits in the buffer
            ModelVersions.save(watch.resolve("v2"), "v2", 2);
            await(() -> loader(h).hasReady(), "v2 to load");

            feed(h, 2, 4); // the batch fills: flushed by size, still with v1
            feed(h, 4, 5);
            h.processWatermark(new Watermark(100)); // flushed by the watermark, still v1
            feed(h, 5, 7);
            h.setProcessingTime(120_000); // flushed by the wait budget, still v1
            feed(h, 7, 8);
            // Pipelined, some of these may still be with the model thread.
            assertThat(versions(h)).hasSizeLessThanOrEqualTo(7).containsOnly("v1");

            h.prepareSnapshotPreBarrier(1); // emits windows 0-7 with v1, then switches
            snapshot = h.snapshot(1, 1_000);
            assertThat(versions(h)).hasSize(8).containsOnly("v1");
            feed(h, 8, 12);
            h.prepareSnapshotPreBarrier(2); // every handed-over batch is emitted by now
            assertThat(versions(h).subList(8, 12)).containsOnly("v2");
            assertThat(loader(h).failing()).isFalse();

            // The two models really differ: the same window scores differently.
            var out = h.extractOutputValues();
            feed(h, 0, 4);
            h.prepareSnapshotPreBarrier(3);
            var again = h.extractOutputValues();
            assertThat(again.get(12).prediction.getScores())
                    .isNotEqualTo(out.get(0).prediction.getScores());
        }

        try (var restored = harness(v1, Files.createDirectories(tmp.resolve("empty")), pipelined)) {
            restored.setup();
            restored.initializeState(snapshot);
            restored.open();
            feed(restored, 0, 1);
            restored.endInput();
            assertThat(versions(restored))
                    .as("a restore serves the checkpointed version, not model.dir")
                    .containsExactly("v2");
        }

        Path v9 = ModelVersions.save(tmp.resolve("v9"), "v9", 9);
        try (var reconfigured = harness(v9, tmp.resolve("empty"), pipelined)) {
            reconfigured.setup();
            reconfigured.initializeState(snapshot);
            reconfigured.open();
            feed(reconfigured, 0, 1);
            reconfigured.endInput();
            assertThat(versions(reconfigured))
                    .as("a restart with another model.dir chose that model")
                    .containsExactly("v9");
        }
    }

    @Test
    void aRefusedModelLeavesTheServingOneAndRaisesTheFlagUntilAGoodOneLoads() throws Exception {
        Path v1 = ModelVersions.save(tmp.resolve("v1"), "v1", 1);
        Path watch = Files.createDirectories(tmp.resolve("watch"));
        try (var h = harness(v1, watch)) {
            h.setup();
            h.open();
            ModelLoader loader = loader(h);
            assertThat(loader.failing()).isFalse();

            ModelVersions.truncated(v1, watch.resolve("a-truncated"), "v2");
            await(() -> loader.failureCount() == 1, "the truncated model to be refused");
            assertThat(loader.failing()).isTrue();
            ModelVersions.save(watch.resolve("b-relabelled"), "v3", 3, List.of("calm", "goal"));
            await(() -> loader.failureCount() == 2, "the relabelled model to be refused");

            feed(h, 0, 1);
            h.prepareSnapshotPreBarrier(1);
            feed(h, 1, 2);
            h.prepareSnapshotPreBarrier(2);
            assertThat(versions(h)).containsExactly("v1", "v1");
            assertThat(loader.failing()).isTrue();

            ModelVersions.save(watch.resolve("c-good"), "v4", 4);
            await(loader::hasReady, "v4 to load");
            assertThat(loader.failing()).as("a later success clears the flag").isFalse();
            h.prepareSnapshotPreBarrier(3);
            feed(h, 2, 3);
            h.endInput();
            assertThat(versions(h)).containsExactly("v1", "v1", "v4");
            assertThat(loader.failureCount()).isEqualTo(2);
        }
    }
}
