package io.avfuse.jobs.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.jobs.encode.AudioEncoderKind;
import io.avfuse.jobs.encode.FrameEncoderKind;
import io.avfuse.jobs.fuse.FusionKind;
import java.nio.file.Path;
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
        TwoBitTask task = TwoBitTask.draw(160, 0, false, rnd);
        Path tokenizer = tmp.resolve("tokenizer.json");
        ModelManifest manifest =
                TwoBitTask.manifest("arch-trained", TwoBitTask.writeTokenizer(tokenizer))
                        .fusion(fusion)
                        .frameEncoder(FrameEncoderKind.VIT)
                        .audioEncoder(AudioEncoderKind.WAVEFORM)
                        .build();
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
                        .train(
                                manifest,
                                tokenizer,
                                task.windows(),
                                task.labels(),
                                tmp.resolve("model"));
        System.out.printf(
                "%s + VIT + WAVEFORM: held-out accuracy %.3f at epoch %d (%d train, %d held out)%n",
                fusion,
                result.heldOutAccuracy(),
                result.bestEpoch(),
                result.trainWindows(),
                result.heldOutWindows());
        assertThat(result.heldOutAccuracy()).isGreaterThanOrEqualTo(0.9);

        // Served from its directory, it needs both: either modality masked leaves about half.
        TwoBitTask.Served served =
                TwoBitTask.served(tmp.resolve("model"), TwoBitTask.draw(80, 1000, false, rnd));
        System.out.printf("%s fresh windows: %s%n", fusion, served);
        assertThat(served.both()).isGreaterThanOrEqualTo(0.9);
        assertThat(served.audioOnly()).isLessThanOrEqualTo(0.65);
        assertThat(served.videoOnly()).isLessThanOrEqualTo(0.65);
    }
}
