package io.avfuse.jobs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The newer heads learn, on the real engine, a task where the class shows in the video and the
 * audio embeddings while text and metadata are noise, and any modality may be missing (with garbage
 * in its slot): a head must combine whichever informative modality is present.
 */
class FusionHeadLearningTest {
    private static final int D = 16;
    private static final int C = 3;
    private static final int BATCH = 32;
    private static final int STEPS = 80;

    // Only the heads added with this test: each run costs seconds on a shared 2-core machine.
    @ParameterizedTest
    @EnumSource(
            value = FusionKind.class,
            names = {"HYBRID", "WATTS_STROGATZ", "PERCEIVER"})
    void learnsFromWhicheverModalityIsPresent(FusionKind kind) throws Exception {
        Random rnd = new Random(17);
        float[][][] prototypes = new float[2][C][D];
        for (float[][] modality : prototypes) {
            for (float[] p : modality) {
                for (int i = 0; i < D; i++) {
                    p[i] = (float) rnd.nextGaussian();
                }
            }
        }
        FusionHead head = kind.create(D, C);
        try (Model model = Model.newInstance("head", Device.cpu(), "PyTorch")) {
            model.getNDManager().getEngine().setRandomSeed(17);
            model.setBlock(head);
            DefaultTrainingConfig config =
                    new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                            .optOptimizer(
                                    Optimizer.adam()
                                            .optLearningRateTracker(Tracker.fixed(0.01f))
                                            .build());
            try (Trainer trainer = model.newTrainer(config)) {
                Shape x = new Shape(BATCH, D);
                trainer.initialize(x, x, x, x, new Shape(BATCH, FusionHead.MODALITIES));
                for (int step = 0; step < STEPS; step++) {
                    try (NDManager m = trainer.getManager().newSubManager()) {
                        float[] labels = new float[BATCH];
                        NDList in = sample(m, prototypes, labels, rnd);
                        EasyTrain.trainBatch(
                                trainer,
                                new Batch(
                                        m,
                                        in,
                                        new NDList(m.create(labels)),
                                        BATCH,
                                        null,
                                        null,
                                        step,
                                        STEPS));
                        trainer.step();
                    }
                }
                int correct = 0;
                int total = 0;
                try (NDManager m = trainer.getManager().newSubManager()) {
                    for (int round = 0; round < 8; round++) {
                        float[] labels = new float[BATCH];
                        NDList in = sample(m, prototypes, labels, rnd);
                        long[] predicted =
                                head.forward(new ParameterStore(m, false), in, false)
                                        .singletonOrThrow()
                                        .argMax(1)
                                        .toLongArray();
                        for (int i = 0; i < BATCH; i++) {
                            correct += predicted[i] == (long) labels[i] ? 1 : 0;
                            total++;
                        }
                    }
                }
                double accuracy = correct / (double) total;
                System.out.printf(
                        "%s: held-out accuracy %.3f after %d steps%n", kind, accuracy, STEPS);
                assertThat(accuracy).as("%s held-out accuracy", kind).isGreaterThanOrEqualTo(0.9);
            }
        }
    }

    /**
     * Video and audio: the class prototype plus noise; text and metadata: noise. Each of video and
     * audio is missing with probability 0.3, never both; a missing slot holds garbage.
     */
    private static NDList sample(NDManager m, float[][][] prototypes, float[] labels, Random rnd) {
        float[][][] x = new float[FusionHead.MODALITIES][BATCH][D];
        float[][] mask = new float[BATCH][FusionHead.MODALITIES];
        for (int b = 0; b < BATCH; b++) {
            int c = rnd.nextInt(C);
            labels[b] = c;
            double r = rnd.nextDouble();
            mask[b][0] = r < 0.3 ? 0 : 1;
            mask[b][1] = r >= 0.3 && r < 0.6 ? 0 : 1;
            mask[b][2] = rnd.nextDouble() < 0.3 ? 0 : 1;
            mask[b][3] = rnd.nextDouble() < 0.3 ? 0 : 1;
            for (int mod = 0; mod < FusionHead.MODALITIES; mod++) {
                for (int i = 0; i < D; i++) {
                    float signal = mod < 2 ? prototypes[mod][c][i] : 0f;
                    float v = signal + 0.5f * (float) rnd.nextGaussian();
                    x[mod][b][i] = mask[b][mod] > 0 ? v : 50f * (float) rnd.nextGaussian();
                }
            }
        }
        NDList in = new NDList();
        for (float[][] modality : x) {
            in.add(m.create(modality));
        }
        NDArray presence = m.create(mask);
        in.add(presence);
        return in;
    }
}
