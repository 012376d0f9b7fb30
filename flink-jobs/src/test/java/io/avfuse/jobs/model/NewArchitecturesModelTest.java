package io.avfuse.jobs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.avfuse.jobs.encode.AudioEncoderKind;
import io.avfuse.jobs.encode.FrameEncoderKind;
import io.avfuse.jobs.encode.WordVocabulary;
import io.avfuse.jobs.fuse.FusionKind;
import io.avfuse.schemas.AlignedWindow;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The new heads with the ViT frame encoder and the waveform audio encoder, as a whole model:
 * manifest-driven input tensors, a training step, then a save through {@link ModelDirectory} and a
 * load that must give exactly the same outputs.
 */
class NewArchitecturesModelTest {
    @TempDir Path tmp;

    private static ModelManifest manifest(int vocabulary, FusionKind fusion) {
        return FusionInferenceTest.manifest(
                        vocabulary, 16, List.of("video", "audio", "text", "metadata"))
                .toBuilder()
                .version("arch-1")
                .fusion(fusion)
                .frameEncoder(FrameEncoderKind.VIT)
                .audioEncoder(AudioEncoderKind.WAVEFORM)
                .build();
    }

    /** All present; no video; no audio; no text. */
    private static List<AlignedWindow> windows() {
        return List.of(
                FusionInferenceTest.window("s", 0, true, true, true),
                FusionInferenceTest.window("s", 1, false, true, true),
                FusionInferenceTest.window("s", 2, true, false, true),
                FusionInferenceTest.window("s", 3, true, true, false));
    }

    @ParameterizedTest
    @EnumSource(
            value = FusionKind.class,
            names = {"HYBRID", "WATTS_STROGATZ", "PERCEIVER"})
    void aTrainedModelSavedAndLoadedGivesIdenticalOutputs(FusionKind fusion) throws Exception {
        WordVocabulary vocab = WordVocabulary.build(List.of("goal foul calm crowd referee"), 16);
        Path tokenizerFile = tmp.resolve("tokenizer.json");
        vocab.write(tokenizerFile);
        ModelManifest m = manifest(vocab.size(), fusion);
        Path dir = tmp.resolve("model");
        float[][] before = new float[6][];
        try (Model model = Model.newInstance("avfuse", Device.cpu(), "PyTorch");
                HuggingFaceTokenizer tokenizer =
                        HuggingFaceTokenizer.newInstance(tokenizerFile, Map.of())) {
            model.getNDManager().getEngine().setRandomSeed(2);
            FusionModel block = new FusionModel(m);
            model.setBlock(block);
            WindowBatch batcher = new WindowBatch(m, tokenizer);
            DefaultTrainingConfig config =
                    new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                            .optOptimizer(
                                    Optimizer.adam()
                                            .optLearningRateTracker(Tracker.fixed(0.01f))
                                            .build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(FusionModel.inputShapes(m, 4));
                // Two steps move the weights and the batch-norm statistics off their defaults.
                for (int step = 0; step < 2; step++) {
                    try (NDManager sub = trainer.getManager().newSubManager()) {
                        WindowBatch.Inputs in = batcher.toInputs(sub, windows());
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            NDList out = trainer.forward(in.tensors());
                            NDList labels = new NDList(sub.create(new float[] {0, 1, 2, 1}));
                            gc.backward(trainer.getLoss().evaluate(labels, new NDList(out.get(0))));
                        }
                        trainer.step();
                    }
                }
            }
            try (NDManager sub = model.getNDManager().newSubManager()) {
                WindowBatch.Inputs in = batcher.toInputs(sub, windows());
                Shape[] expected = FusionModel.inputShapes(m, 4);
                assertThat(in.tensors().get(2).getShape())
                        .isEqualTo(expected[2])
                        .isEqualTo(new Shape(4, 1, 16_000));
                // The window without audio feeds silence and is masked by presence.
                assertThat(in.tensors().get(2).get(2).abs().max().getFloat()).isZero();
                assertThat(in.presence()[2][1]).isZero();
                assertThat(in.tensors().get(2).get(0).abs().max().getFloat()).isPositive();
                NDList out = block.forward(new ParameterStore(sub, false), in.tensors(), false);
                for (int i = 0; i < 6; i++) {
                    before[i] = out.get(i).toFloatArray();
                }
            }
            ModelDirectory.save(model, m, tokenizerFile, dir);
        }
        try (ModelDirectory.Loaded loaded = ModelDirectory.load(dir, Device.cpu());
                NDManager sub = loaded.model().getNDManager().newSubManager()) {
            assertThat(loaded.manifest()).isEqualTo(m);
            WindowBatch.Inputs in =
                    new WindowBatch(loaded.manifest(), loaded.tokenizer()).toInputs(sub, windows());
            NDList out =
                    loaded.model()
                            .getBlock()
                            .forward(new ParameterStore(sub, false), in.tensors(), false);
            for (int i = 0; i < 6; i++) {
                assertThat(out.get(i).toFloatArray()).as("output %d", i).containsExactly(before[i]);
            }
            assertThat(out.get(0).getShape()).isEqualTo(new Shape(4, 3));
        }
    }

    @Test
    void aCnnModelUnderAVitManifestFailsAtLoadNamingTheEncoders() throws Exception {
        Path dir = FusionInferenceTest.savedModel(tmp, 16);
        ModelManifest cnn = ModelManifest.read(dir);
        cnn.toBuilder().frameEncoder(FrameEncoderKind.VIT).build().write(dir);
        assertThatThrownBy(() -> ModelDirectory.load(dir, Device.cpu()))
                .isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("cannot load the parameters in " + dir)
                .hasMessageContaining("VIT frames, LOG_MEL audio");
    }
}
