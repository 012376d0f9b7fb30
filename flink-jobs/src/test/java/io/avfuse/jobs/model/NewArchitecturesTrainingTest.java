package io.avfuse.jobs.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.avfuse.jobs.encode.AudioEncoderKind;
import io.avfuse.jobs.encode.FrameEncoderKind;
import io.avfuse.jobs.encode.LogMelSpectrogram;
import io.avfuse.jobs.encode.WordVocabulary;
import io.avfuse.jobs.fuse.FusionKind;
import io.avfuse.schemas.AlignedWindow;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link FusionTrainer} on {@link FusionTrainerTest}'s task (label = 2 x high tone + bright frames,
 * so neither modality alone gets above half) with the new heads, the ViT frame encoder and the raw
 * waveform audio encoder together: aligned windows through {@link WindowBatch} to a measured
 * held-out accuracy.
 */
class NewArchitecturesTrainingTest {
    @TempDir Path tmp;

    @ParameterizedTest
    @EnumSource(
            value = FusionKind.class,
            names = {"HYBRID", "WATTS_STROGATZ", "PERCEIVER"})
    void vitAndWaveformLearnWhatNeedsBothModalities(FusionKind fusion) throws Exception {
        Random rnd = new Random(21);
        List<AlignedWindow> windows = new ArrayList<>();
        int[] labels = new int[160];
        for (int i = 0; i < labels.length; i++) {
            int high = rnd.nextInt(2);
            int bright = rnd.nextInt(2);
            windows.add(FusionTrainerTest.window(i, high == 1, bright == 1, rnd));
            labels[i] = 2 * high + bright;
        }
        WordVocabulary vocab = WordVocabulary.build(List.of("unused words"), 8);
        Path tokenizer = tmp.resolve("tokenizer.json");
        vocab.write(tokenizer);
        ModelManifest manifest =
                new ModelManifest(
                        ModelManifest.ARCHITECTURE,
                        "arch-trained",
                        List.of("low-dark", "low-bright", "high-dark", "high-bright"),
                        List.of("video", "audio"),
                        16,
                        fusion,
                        2,
                        16,
                        16,
                        LogMelSpectrogram.Params.DEFAULT,
                        4,
                        vocab.size(),
                        List.of(),
                        100f,
                        1_000_000,
                        null,
                        FrameEncoderKind.VIT,
                        AudioEncoderKind.WAVEFORM,
                        null,
                        null,
                        null);
        FusionTrainer.Options options =
                new FusionTrainer.Options()
                        .epochs(8)
                        .batchSize(16)
                        .learningRate(0.003f)
                        .dropout(0.2f, 0.2f, 0f, 0f)
                        .validationFraction(0.25)
                        .patience(3)
                        .seed(5);
        FusionTrainer.Result result =
                new FusionTrainer(options, System.out)
                        .train(manifest, tokenizer, windows, labels, tmp.resolve("model"));
        System.out.printf(
                "%s + VIT + WAVEFORM: held-out accuracy %.3f at epoch %d (%d train, %d held out)%n",
                fusion,
                result.heldOutAccuracy(),
                result.bestEpoch(),
                result.trainWindows(),
                result.heldOutWindows());
        assertThat(result.heldOutAccuracy()).isGreaterThanOrEqualTo(0.9);

        // Served from its directory, it needs both: either modality masked leaves about half.
        List<AlignedWindow> fresh = new ArrayList<>();
        int[] freshLabels = new int[80];
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < freshLabels.length; i++) {
            int high = rnd.nextInt(2);
            int bright = rnd.nextInt(2);
            fresh.add(FusionTrainerTest.window(1000 + i, high == 1, bright == 1, rnd));
            freshLabels[i] = 2 * high + bright;
            all.add(i);
        }
        try (ModelDirectory.Loaded m = ModelDirectory.load(tmp.resolve("model"), Device.cpu())) {
            WindowBatch batcher = new WindowBatch(m.manifest(), m.tokenizer());
            double both = FusionTrainer.accuracy(m.model(), batcher, fresh, freshLabels, all);
            double audioOnly = FusionTrainerTest.accuracyWith(m, batcher, fresh, freshLabels, 0);
            double videoOnly = FusionTrainerTest.accuracyWith(m, batcher, fresh, freshLabels, 1);
            System.out.printf(
                    "%s fresh windows: both %.3f, audio only %.3f, video only %.3f%n",
                    fusion, both, audioOnly, videoOnly);
            assertThat(both).isGreaterThanOrEqualTo(0.9);
            assertThat(audioOnly).isLessThanOrEqualTo(0.65);
            assertThat(videoOnly).isLessThanOrEqualTo(0.65);
        }
    }
}
