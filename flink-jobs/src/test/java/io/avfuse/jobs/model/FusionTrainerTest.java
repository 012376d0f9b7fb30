package io.avfuse.jobs.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.avfuse.schemas.AlignedWindow;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real training run on a task that needs both modalities: the label is 2 x (high tone) + (bright
 * frames), so audio or video alone can reach only 50%. The trained model must get at least 90% held
 * out with both, and about half with either one masked.
 */
public class FusionTrainerTest {
    @TempDir Path tmp;

    @Test
    void fusionLearnsWhatNoSingleModalityCan() throws Exception {
        Random rnd = new Random(21);
        TwoBitTask task = TwoBitTask.draw(200, 0, false, rnd);
        Path tokenizer = tmp.resolve("tokenizer.json");
        ModelManifest manifest =
                TwoBitTask.manifest("trained-1", TwoBitTask.writeTokenizer(tokenizer)).build();
        FusionTrainer.Options options = options().epochs(10);
        Path dir = tmp.resolve("model");
        long stagingBefore = stagingDirs();
        FusionTrainer.Result result =
                new FusionTrainer(options, System.out)
                        .train(manifest, tokenizer, task.windows(), task.labels(), dir);
        assertThat(stagingDirs())
                .as("the trainer's staging directory is removed")
                .isEqualTo(stagingBefore);
        System.out.printf(
                "trainer: held-out accuracy %.3f at epoch %d (%d train, %d held out)%n",
                result.heldOutAccuracy(),
                result.bestEpoch(),
                result.trainWindows(),
                result.heldOutWindows());
        assertThat(result.heldOutAccuracy()).isGreaterThanOrEqualTo(0.9);

        // The saved directory serves, and each modality alone is stuck near one bit of two.
        TwoBitTask.Served served = TwoBitTask.served(dir, TwoBitTask.draw(80, 1000, false, rnd));
        System.out.println("fresh windows: " + served);
        assertThat(served.both()).isGreaterThanOrEqualTo(0.9);
        assertThat(served.audioOnly()).isLessThanOrEqualTo(0.65);
        assertThat(served.videoOnly()).isLessThanOrEqualTo(0.65);
        assertThat(served.both() - Math.max(served.audioOnly(), served.videoOnly()))
                .isGreaterThanOrEqualTo(0.25);
    }

    private static FusionTrainer.Options options() {
        return new FusionTrainer.Options()
                .batchSize(16)
                .learningRate(0.01f)
                .dropout(0.2f, 0.2f, 0f, 0f)
                .validationFraction(0.25)
                .patience(4)
                .seed(5);
    }

    /** 200 windows of the two-bit task, labels 2 x high + bright. */
    private record Task(
            List<AlignedWindow> windows, int[] labels, Path tokenizer, ModelManifest manifest) {}

    private Task task() throws java.io.IOException {
        return task(false);
    }

    /** With {@code shared}, tone and brightness carry the same bit (only classes 0 and 3). */
    private Task task(boolean shared) throws java.io.IOException {
        TwoBitTask drawn = TwoBitTask.draw(120, 0, shared, new Random(21));
        Path tokenizer = tmp.resolve("task-tokenizer.json");
        ModelManifest manifest =
                TwoBitTask.manifest("task", TwoBitTask.writeTokenizer(tokenizer)).build();
        return new Task(drawn.windows(), drawn.labels(), tokenizer, manifest);
    }

    /**
     * Four epochs in one go and two epochs, stopped, then resumed to four give the same epochs,
     * losses and final parameters: the checkpoint holds parameters, optimizer moments, the random
     * stream and the early-stopping state.
     */
    @Test
    void aResumedRunContinuesExactlyWhereItStopped() throws Exception {
        Task t = task();
        FusionTrainer.Result straight =
                new FusionTrainer(
                                options()
                                        .epochs(4)
                                        .patience(10)
                                        .checkpoint(tmp.resolve("a"), false),
                                System.out)
                        .train(
                                t.manifest(),
                                t.tokenizer(),
                                t.windows(),
                                t.labels(),
                                tmp.resolve("ma"));
        FusionTrainer.Result first =
                new FusionTrainer(
                                options()
                                        .epochs(2)
                                        .patience(10)
                                        .checkpoint(tmp.resolve("b"), false),
                                System.out)
                        .train(
                                t.manifest(),
                                t.tokenizer(),
                                t.windows(),
                                t.labels(),
                                tmp.resolve("mb"));
        assertThat(first.history()).hasSize(2);
        FusionTrainer.Result resumed =
                new FusionTrainer(
                                options().epochs(4).patience(10).checkpoint(tmp.resolve("b"), true),
                                System.out)
                        .train(
                                t.manifest(),
                                t.tokenizer(),
                                t.windows(),
                                t.labels(),
                                tmp.resolve("mb"));
        assertThat(resumed.resumed()).isTrue();
        assertThat(resumed.history()).isEqualTo(straight.history());
        assertThat(java.nio.file.Files.readAllBytes(tmp.resolve("mb/avfuse-0000.params")))
                .as("the same parameters, byte for byte")
                .isEqualTo(java.nio.file.Files.readAllBytes(tmp.resolve("ma/avfuse-0000.params")));

        // Other settings must not silently continue someone else's run.
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () ->
                                new FusionTrainer(
                                                options()
                                                        .epochs(4)
                                                        .learningRate(0.02f)
                                                        .checkpoint(tmp.resolve("b"), true),
                                                System.out)
                                        .train(
                                                t.manifest(),
                                                t.tokenizer(),
                                                t.windows(),
                                                t.labels(),
                                                tmp.resolve("mc")))
                .hasMessageContaining("other settings");
    }

    /**
     * The contrastive loss pulls a window's audio and video embeddings together when the two carry
     * the same information: their cosine similarity, matched minus mismatched, grows well beyond
     * what classification alone gives.
     */
    @Test
    void contrastiveTrainingAlignsTheModalities() throws Exception {
        Task t = task(true);
        double[] gap = new double[2];
        double[] sameBit = new double[2];
        float[] weights = {0f, 1f};
        int n = 60;
        for (int r = 0; r < 2; r++) {
            Path dir = tmp.resolve("contrastive" + r);
            new FusionTrainer(options().epochs(6).patience(10).contrastive(weights[r]), System.out)
                    .train(t.manifest(), t.tokenizer(), t.windows(), t.labels(), dir);
            try (ModelDirectory.Loaded m = ModelDirectory.load(dir, Device.cpu());
                    NDManager manager = m.model().getNDManager().newSubManager()) {
                WindowBatch.Inputs in =
                        new WindowBatch(m.manifest(), m.tokenizer())
                                .toInputs(manager, t.windows().subList(0, n));
                NDList out =
                        m.model()
                                .getBlock()
                                .forward(new ParameterStore(manager, false), in.tensors(), false);
                float[] sim = out.get(2).matMul(out.get(3).transpose()).toFloatArray();
                double matched = 0;
                double other = 0;
                int hits = 0;
                for (int i = 0; i < n; i++) {
                    int nearest = 0;
                    for (int j = 0; j < n; j++) {
                        if (i == j) {
                            matched += sim[i * n + j] / n;
                        } else {
                            other += sim[i * n + j] / (n * (n - 1));
                        }
                        if (sim[i * n + j] > sim[i * n + nearest]) {
                            nearest = j;
                        }
                    }
                    hits += t.labels()[nearest] == t.labels()[i] ? 1 : 0;
                }
                gap[r] = matched - other;
                sameBit[r] = hits / (double) n;
            }
        }
        System.out.printf(
                "video -> nearest audio of the same bit: without contrastive %.3f, with %.3f;"
                        + " cosine matched minus other: %.3f, %.3f%n",
                sameBit[0], sameBit[1], gap[0], gap[1]);
        assertThat(sameBit[1]).isGreaterThanOrEqualTo(0.9);
        assertThat(sameBit[1]).isGreaterThan(sameBit[0] + 0.2);
        assertThat(gap[1]).isGreaterThan(gap[0]);
    }

    /**
     * Staged training runs the encoder, fusion and fine-tuning stages in order, and with the
     * encoders frozen in the fusion stage their embeddings do not move at all.
     */
    @Test
    void stagedTrainingFreezesTheEncodersInTheFusionStage() throws Exception {
        Task t = task();
        FusionTrainer.Result r =
                new FusionTrainer(options().stages(3, 3, 2).patience(10), System.out)
                        .train(
                                t.manifest(),
                                t.tokenizer(),
                                t.windows(),
                                t.labels(),
                                tmp.resolve("staged"));
        assertThat(r.history().stream().map(FusionTrainer.Epoch::stage).toList())
                .containsExactly(
                        FusionTrainer.Stage.ENCODERS,
                        FusionTrainer.Stage.ENCODERS,
                        FusionTrainer.Stage.ENCODERS,
                        FusionTrainer.Stage.FUSION,
                        FusionTrainer.Stage.FUSION,
                        FusionTrainer.Stage.FUSION,
                        FusionTrainer.Stage.FINETUNE,
                        FusionTrainer.Stage.FINETUNE);
        assertThat(r.heldOutAccuracy()).isGreaterThanOrEqualTo(0.85);

        // Fusion stage only, from the same seed, against no training at all: same embeddings.
        Path frozen = tmp.resolve("fusion-only");
        new FusionTrainer(options().stages(0, 2, 0).patience(10), System.out)
                .train(t.manifest(), t.tokenizer(), t.windows(), t.labels(), frozen);
        Path untouched = tmp.resolve("untouched");
        new FusionTrainer(options().stages(0, 1, 0).patience(10).learningRate(1e-30f), System.out)
                .train(t.manifest(), t.tokenizer(), t.windows(), t.labels(), untouched);
        assertThat(embeddings(frozen, t)).isEqualTo(embeddings(untouched, t));
    }

    private static float[] embeddings(Path dir, Task t) throws Exception {
        try (ModelDirectory.Loaded m = ModelDirectory.load(dir, Device.cpu());
                NDManager manager = m.model().getNDManager().newSubManager()) {
            WindowBatch.Inputs in =
                    new WindowBatch(m.manifest(), m.tokenizer())
                            .toInputs(manager, t.windows().subList(0, 8));
            NDList out =
                    m.model()
                            .getBlock()
                            .forward(new ParameterStore(manager, false), in.tensors(), false);
            return out.get(2).concat(out.get(3), 1).toFloatArray();
        }
    }

    private static long stagingDirs() throws java.io.IOException {
        Path tmpdir =
                java.nio.file.Files.createDirectories(
                        Path.of(System.getProperty("java.io.tmpdir")));
        try (var files = java.nio.file.Files.list(tmpdir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("avfuse-train")).count();
        }
    }
}
