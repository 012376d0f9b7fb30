package io.avfuse.jobs.encode;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextEncoderTest {
    private static final String[] FILLER = {
        "the", "crowd", "is", "loud", "ball", "near", "box", "player", "runs", "and"
    };
    private NDManager manager;
    @TempDir Path tmp;

    @BeforeEach
    void engine() {
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        manager.getEngine().setRandomSeed(3);
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void djlLoadsTheProjectBuiltTokenizerOffline() throws Exception {
        WordVocabulary vocab =
                WordVocabulary.build(List.of("Goal! The crowd cheers.", "the goal, the GOAL"), 100);
        assertThat(vocab.words())
                .as("by count, ties alphabetical")
                .startsWith("[PAD]", "[UNK]", "goal", "the");
        Path file = tmp.resolve("tokenizer.json");
        vocab.write(file);
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(file, Map.of())) {
            var encoding = tokenizer.encode("GOAL!! the referee", false, false);
            assertThat(encoding.getTokens())
                    .as("\"!!\" is one punctuation run, not in the vocabulary")
                    .containsExactly("goal", "[UNK]", "the", "[UNK]");
            long goal = vocab.words().indexOf("goal");
            long the = vocab.words().indexOf("the");
            assertThat(encoding.getIds()).containsExactly(goal, 1L, the, 1L);
        }
    }

    @Test
    void paddingHasNoInfluenceAndTheOutputIsUnitLength() {
        TextEncoder encoder = new TextEncoder(50, 16, 24);
        encoder.initialize(manager, DataType.FLOAT32, new Shape(2, 8));
        ParameterStore ps = new ParameterStore(manager, false);
        NDArray shortPad =
                manager.create(new int[][] {{5, 7, 9, 0, 0, 0, 0, 0}, {3, 0, 0, 0, 0, 0, 0, 0}});
        NDArray longPad =
                manager.create(
                        new int[][] {
                            {5, 7, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0},
                            {3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
                        });
        NDArray a = encoder.forward(ps, new NDList(shortPad), false).singletonOrThrow();
        NDArray b = encoder.forward(ps, new NDList(longPad), false).singletonOrThrow();
        assertThat(a.sub(b).abs().max().getFloat()).isLessThan(1e-6f);
        for (float n : a.square().sum(new int[] {1}).sqrt().toFloatArray()) {
            assertThat(n).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f));
        }
        NDArray other =
                manager.create(new int[][] {{5, 8, 9, 0, 0, 0, 0, 0}, {3, 0, 0, 0, 0, 0, 0, 0}});
        NDArray c = encoder.forward(ps, new NDList(other), false).singletonOrThrow();
        assertThat(c.get(0).sub(a.get(0)).abs().max().getFloat())
                .as("a real token matters")
                .isGreaterThan(1e-4f);
    }

    /** A real training run: which of two keywords hides among filler words. */
    @Test
    void theTextEncoderLearnsAKeyword() throws Exception {
        Random rnd = new Random(9);
        List<String> corpus = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            corpus.add(sentence(rnd.nextInt(2), rnd));
        }
        WordVocabulary vocab = WordVocabulary.build(corpus, 64);
        Path file = tmp.resolve("tokenizer.json");
        vocab.write(file);
        int length = 12;
        SequentialBlock net =
                new SequentialBlock()
                        .add(new TextEncoder(vocab.size(), length, 32))
                        .add(Linear.builder().setUnits(2).build());
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(file, Map.of());
                Model model = Model.newInstance("keywords", Device.cpu(), "PyTorch")) {
            model.setBlock(net);
            DefaultTrainingConfig config =
                    new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                            .optOptimizer(
                                    Optimizer.adam()
                                            .optLearningRateTracker(Tracker.fixed(0.005f))
                                            .build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(16, length));
                for (int step = 0; step < 60; step++) {
                    try (NDManager m = trainer.getManager().newSubManager()) {
                        int[][] ids = new int[16][];
                        float[] labels = new float[16];
                        for (int i = 0; i < 16; i++) {
                            labels[i] = rnd.nextInt(2);
                            ids[i] = ids(tokenizer, sentence((int) labels[i], rnd), length);
                        }
                        EasyTrain.trainBatch(
                                trainer,
                                new Batch(
                                        m,
                                        new NDList(m.create(ids)),
                                        new NDList(m.create(labels)),
                                        16,
                                        null,
                                        null,
                                        step,
                                        60));
                        trainer.step();
                    }
                }
                int correct = 0;
                ParameterStore ps = new ParameterStore(trainer.getManager(), false);
                for (int i = 0; i < 100; i++) {
                    int label = rnd.nextInt(2);
                    NDArray x =
                            manager.create(
                                    new int[][] {ids(tokenizer, sentence(label, rnd), length)});
                    if (net.forward(ps, new NDList(x), false).singletonOrThrow().argMax(1).getLong()
                            == label) {
                        correct++;
                    }
                }
                System.out.printf(
                        "keywords: held-out accuracy %.2f after 60 steps%n", correct / 100.0);
                assertThat(correct).isGreaterThanOrEqualTo(90);
            }
        }
    }

    private static String sentence(int label, Random rnd) {
        List<String> w = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            w.add(FILLER[rnd.nextInt(FILLER.length)]);
        }
        w.add(rnd.nextInt(w.size() + 1), label == 0 ? "goal" : "foul");
        return String.join(" ", w);
    }

    private static int[] ids(HuggingFaceTokenizer tokenizer, String text, int length) {
        long[] raw = tokenizer.encode(text, false, false).getIds();
        int[] out = new int[length];
        for (int i = 0; i < Math.min(length, raw.length); i++) {
            out[i] = (int) raw[i];
        }
        return out;
    }
}
