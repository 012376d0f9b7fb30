package io.avfuse.jobs.encode;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class EncodersTest {
    private static final int E = 32;
    private NDManager manager;

    @BeforeEach
    void engine() {
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        manager.getEngine().setRandomSeed(11);
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private static float[] norms(NDArray x) {
        return x.square().sum(new int[] {1}).sqrt().toFloatArray();
    }

    @Test
    void everyEncoderLandsOnTheUnitSphere() {
        Block audio = Encoders.audio(E);
        audio.initialize(manager, DataType.FLOAT32, new Shape(3, 1, 64, 26));
        NDArray a =
                audio.forward(
                                new ParameterStore(manager, false),
                                new NDList(manager.randomNormal(new Shape(3, 1, 64, 26))),
                                false)
                        .singletonOrThrow();
        assertThat(a.getShape()).isEqualTo(new Shape(3, E));

        Block meta = Encoders.metadata(E);
        meta.initialize(manager, DataType.FLOAT32, new Shape(3, 7));
        NDArray m =
                meta.forward(
                                new ParameterStore(manager, false),
                                new NDList(manager.randomNormal(new Shape(3, 7))),
                                false)
                        .singletonOrThrow();

        VideoEncoder video = new VideoEncoder(E);
        video.initialize(manager, DataType.FLOAT32, new Shape(3, 4, 3, 32, 32), new Shape(3, 4));
        NDArray v =
                video.forward(
                                new ParameterStore(manager, false),
                                new NDList(
                                        manager.randomUniform(0, 1, new Shape(3, 4, 3, 32, 32)),
                                        manager.ones(new Shape(3, 4))),
                                false)
                        .singletonOrThrow();
        assertThat(v.getShape()).isEqualTo(new Shape(3, E));

        for (NDArray x : new NDArray[] {a, m, v}) {
            for (float n : norms(x)) {
                assertThat(n).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TemporalPooling.class)
    void paddedFramesDoNotChangeTheVideoEmbedding(TemporalPooling pooling) {
        VideoEncoder video = new VideoEncoder(E, pooling);
        video.initialize(manager, DataType.FLOAT32, new Shape(1, 4, 3, 32, 32), new Shape(1, 4));
        NDArray frames = manager.randomUniform(0, 1, new Shape(1, 4, 3, 32, 32));
        NDArray mask = manager.create(new float[][] {{1, 1, 0, 0}});
        ParameterStore ps = new ParameterStore(manager, false);
        NDArray before = video.forward(ps, new NDList(frames, mask), false).singletonOrThrow();
        NDArray changed = frames.duplicate();
        changed.set(new ai.djl.ndarray.index.NDIndex("0, 2:4"), 0.5f);
        NDArray after = video.forward(ps, new NDList(changed, mask), false).singletonOrThrow();
        assertThat(after.toFloatArray()).containsExactly(before.toFloatArray());

        // A window without any real frame: what the padding holds has no influence either.
        NDArray none = manager.zeros(new Shape(1, 4));
        NDArray noiseA = video.forward(ps, new NDList(frames, none), false).singletonOrThrow();
        NDArray noiseB = video.forward(ps, new NDList(changed, none), false).singletonOrThrow();
        assertThat(noiseB.toFloatArray()).containsExactly(noiseA.toFloatArray());
    }

    /**
     * What attention pooling is for: one bright frame among four, the label is whether it comes in
     * the first or the second half of the window. The mean over frames cannot see order; attention
     * with position embeddings can.
     */
    @Test
    void onlyAttentionPoolingTellsWhenInTheWindowSomethingHappens() throws Exception {
        double mean = orderAccuracy(TemporalPooling.MEAN);
        double attention = orderAccuracy(TemporalPooling.ATTENTION);
        System.out.printf(
                "bright frame first or second half: mean pooling %.3f, attention %.3f%n",
                mean, attention);
        assertThat(attention).isGreaterThanOrEqualTo(0.9);
        assertThat(mean).isLessThanOrEqualTo(0.7);
    }

    private double orderAccuracy(TemporalPooling pooling) throws Exception {
        Random rnd = new Random(11);
        SequentialBlock net =
                new SequentialBlock()
                        .add(new VideoEncoder(E, pooling))
                        .add(Linear.builder().setUnits(2).build());
        try (Model model = Model.newInstance("order", Device.cpu(), "PyTorch")) {
            model.getNDManager().getEngine().setRandomSeed(5);
            model.setBlock(net);
            try (Trainer trainer = model.newTrainer(adam())) {
                trainer.initialize(new Shape(32, 4, 3, 16, 16), new Shape(32, 4));
                for (int step = 0; step < 60; step++) {
                    try (NDManager m = trainer.getManager().newSubManager()) {
                        float[] labels = new float[32];
                        NDArray x = brightFrames(m, labels, rnd);
                        Batch batch =
                                new Batch(
                                        m,
                                        new NDList(x, m.ones(new Shape(32, 4))),
                                        new NDList(m.create(labels)),
                                        32,
                                        null,
                                        null,
                                        step,
                                        60);
                        EasyTrain.trainBatch(trainer, batch);
                        trainer.step();
                    }
                }
                try (NDManager m = trainer.getManager().newSubManager()) {
                    float[] labels = new float[32];
                    NDArray x = brightFrames(m, labels, rnd);
                    NDArray logits =
                            net.forward(
                                            new ParameterStore(m, false),
                                            new NDList(x, m.ones(new Shape(32, 4))),
                                            false)
                                    .singletonOrThrow();
                    long[] predicted = logits.argMax(1).toLongArray();
                    int correct = 0;
                    for (int i = 0; i < 32; i++) {
                        correct += predicted[i] == (long) labels[i] ? 1 : 0;
                    }
                    return correct / 32.0;
                }
            }
        }
    }

    /** 32 windows of 4 noisy dark frames, one of them bright; labels: bright in frames 2-3. */
    private static NDArray brightFrames(NDManager m, float[] labels, Random rnd) {
        float[] pixels = new float[32 * 4 * 3 * 16 * 16];
        int frame = 3 * 16 * 16;
        for (int i = 0; i < 32; i++) {
            int bright = rnd.nextInt(4);
            labels[i] = bright >= 2 ? 1 : 0;
            for (int f = 0; f < 4; f++) {
                float base = f == bright ? 0.9f : 0.1f;
                int from = (i * 4 + f) * frame;
                for (int p = 0; p < frame; p++) {
                    pixels[from + p] = base + 0.1f * (float) rnd.nextGaussian();
                }
            }
        }
        return m.create(pixels, new Shape(32, 4, 3, 16, 16));
    }

    /**
     * A real training run: tones of 500 Hz vs 2 kHz in noise, through log-mel and the audio CNN.
     */
    @Test
    void theAudioEncoderLearnsToTellTonesApart() throws Exception {
        LogMelSpectrogram mel = new LogMelSpectrogram(LogMelSpectrogram.Params.DEFAULT);
        Random rnd = new Random(3);
        SequentialBlock net =
                new SequentialBlock()
                        .add(Encoders.audio(E))
                        .add(Linear.builder().setUnits(2).build());
        try (Model model = Model.newInstance("tones", Device.cpu(), "PyTorch")) {
            model.setBlock(net);
            try (Trainer trainer = model.newTrainer(adam())) {
                trainer.initialize(new Shape(16, 1, 64, 26));
                for (int step = 0; step < 40; step++) {
                    try (NDManager batchManager = trainer.getManager().newSubManager()) {
                        float[][] audio = new float[16][];
                        float[] labels = new float[16];
                        for (int i = 0; i < 16; i++) {
                            labels[i] = rnd.nextInt(2);
                            audio[i] = tone(labels[i] == 0 ? 500 : 2000, rnd);
                        }
                        NDArray x = mel.compute(batchManager.create(audio)).expandDims(1);
                        Batch batch =
                                new Batch(
                                        batchManager,
                                        new NDList(x),
                                        new NDList(batchManager.create(labels)),
                                        16,
                                        null,
                                        null,
                                        step,
                                        40);
                        EasyTrain.trainBatch(trainer, batch);
                        trainer.step();
                    }
                }
                int correct = 0;
                int total = 64;
                ParameterStore ps = new ParameterStore(trainer.getManager(), false);
                for (int i = 0; i < total; i++) {
                    int label = rnd.nextInt(2);
                    NDArray x =
                            mel.compute(
                                            manager.create(
                                                    new float[][] {
                                                        tone(label == 0 ? 500 : 2000, rnd)
                                                    }))
                                    .expandDims(1);
                    NDArray logits = net.forward(ps, new NDList(x), false).singletonOrThrow();
                    if (logits.argMax(1).getLong() == label) {
                        correct++;
                    }
                }
                double accuracy = correct / (double) total;
                System.out.printf("tones: held-out accuracy %.3f after 40 steps%n", accuracy);
                assertThat(accuracy).isGreaterThanOrEqualTo(0.9);
            }
        }
    }

    /** Softmax cross-entropy, Adam at a fixed 0.01: the encoder training tests' setup. */
    private static DefaultTrainingConfig adam() {
        return new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(
                        Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.01f)).build());
    }

    private static float[] tone(double hz, Random rnd) {
        float[] s = new float[4000];
        double phase = rnd.nextDouble() * 2 * Math.PI;
        double amp = 0.2 + 0.6 * rnd.nextDouble();
        for (int i = 0; i < s.length; i++) {
            s[i] =
                    (float)
                            (amp * Math.sin(2 * Math.PI * hz * i / 16000.0 + phase)
                                    + 0.3 * rnd.nextGaussian());
        }
        return s;
    }
}
