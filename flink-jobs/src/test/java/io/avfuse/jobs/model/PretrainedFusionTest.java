package io.avfuse.jobs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.avfuse.jobs.encode.AudioEncoderKind;
import io.avfuse.jobs.encode.AudioPreprocessor;
import io.avfuse.jobs.encode.PretrainedFiles;
import io.avfuse.jobs.encode.PretrainedFixtures;
import io.avfuse.jobs.encode.TextEncoderKind;
import io.avfuse.jobs.encode.WordVocabulary;
import io.avfuse.schemas.AlignedWindow;
import io.avfuse.schemas.ModalityPresence;
import io.avfuse.schemas.TextKind;
import io.avfuse.schemas.WindowAudio;
import io.avfuse.schemas.WindowText;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model with MINILM text and SILERO_VAD audio, trained by {@link FusionTrainer} on a task that
 * needs both: the label is 2 x (someone speaks: real alsa-utils speech, or a tone, noise or quiet)
 * + (the caption is about animals rather than money), and the captions of one topic share no
 * template. Only the projections train; the pretrained parts must carry the signal.
 */
class PretrainedFusionTest {
    private static final List<String> ANIMALS =
            List.of(
                    "A dog chases a cat across the garden.",
                    "Two horses graze in a green meadow.",
                    "The parrot repeats words its owner says.",
                    "A herd of elephants walks to the river.",
                    "Kittens play with a ball of yarn.",
                    "An eagle circles high above the valley.",
                    "The puppy wags its tail at the mailman.",
                    "Cows are being milked in the barn.");
    private static final List<String> MONEY =
            List.of(
                    "The stock market fell sharply this morning.",
                    "Interest rates will rise next quarter.",
                    "She paid the invoice by bank transfer.",
                    "Inflation erodes the value of savings.",
                    "The company reported record profits.",
                    "He took out a loan to buy the house.",
                    "Bond yields climbed after the announcement.",
                    "The budget deficit widened again this year.");
    private static final String[] SPEECH = {
        "Front_Center", "Front_Left", "Front_Right", "Rear_Center", "Rear_Left", "Rear_Right"
    };

    private static final int EMBEDDING = 32;

    private static PretrainedFiles files;
    private static List<WindowAudio> speech;
    private static WindowAudio noise;

    @TempDir Path tmp;

    @BeforeAll
    static void fixtures() throws IOException {
        files = PretrainedFixtures.files();
        speech = new ArrayList<>();
        for (String s : SPEECH) {
            speech.add(PretrainedFixtures.wav(Path.of("/usr/share/sounds/alsa/" + s + ".wav")));
        }
        noise = PretrainedFixtures.wav(Path.of("/usr/share/sounds/alsa/Noise.wav"));
    }

    static ModelManifest manifest(Path tokenizer, int vocabulary) {
        return ModelManifest.builder(
                        "pretrained-1",
                        List.of("quiet-money", "quiet-animals", "speech-money", "speech-animals"),
                        List.of("audio", "text"))
                .embedding(EMBEDDING)
                .frames(2)
                .frameSize(16, 16)
                .maxTokens(64)
                .vocabulary(vocabulary)
                .featureClip(100f)
                .windowUs(1_500_000)
                .audioEncoder(AudioEncoderKind.SILERO_VAD)
                .textEncoder(TextEncoderKind.MINILM)
                .build();
    }

    @Test
    void inputShapesAndTypesFollowTheEncoderKinds() throws IOException {
        ModelManifest m = manifest(tmp.resolve("unused"), 4);
        Shape[] shapes = FusionModel.inputShapes(m, 3);
        assertThat(shapes[2]).isEqualTo(new Shape(3, 46)); // 1.5 s at 16 kHz in 512-sample chunks
        assertThat(shapes[3]).isEqualTo(new Shape(3, 384));
        assertThat(FusionModel.inputTypes(m)[3]).isEqualTo(DataType.FLOAT32);
    }

    @Test
    void trainsSavesAndReloadsSelfContained() throws Exception {
        Random rnd = new Random(3);
        List<AlignedWindow> windows = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int i = 0; i < 96; i++) {
            int speaks = rnd.nextInt(2);
            int animals = rnd.nextInt(2);
            windows.add(window(i, speaks == 1, animals == 1, rnd));
            labels.add(2 * speaks + animals);
        }
        int[] y = labels.stream().mapToInt(Integer::intValue).toArray();
        WordVocabulary vocab = WordVocabulary.build(List.of("unused"), 4);
        Path tokenizer = tmp.resolve("tokenizer.json");
        vocab.write(tokenizer);
        ModelManifest manifest = manifest(tokenizer, vocab.size());
        FusionTrainer.Options options =
                new FusionTrainer.Options()
                        .epochs(8)
                        .batchSize(16)
                        .learningRate(0.01f)
                        .dropout(0f, 0.1f, 0.1f, 0f)
                        .validationFraction(0.25)
                        .patience(3)
                        .seed(7);
        Path dir = tmp.resolve("model");
        FusionTrainer.Result result =
                new FusionTrainer(options, System.out)
                        .train(manifest, tokenizer, files, windows, y, dir);
        System.out.printf(
                "MINILM + SILERO_VAD: held-out accuracy %.3f at epoch %d (%d train, %d held"
                        + " out)%n",
                result.heldOutAccuracy(),
                result.bestEpoch(),
                result.trainWindows(),
                result.heldOutWindows());
        assertThat(result.heldOutAccuracy()).isGreaterThanOrEqualTo(0.9);
        assertThat(dir.resolve("pretrained/minilm.onnx")).isRegularFile();
        assertThat(dir.resolve("pretrained/minilm-tokenizer.json")).isRegularFile();
        assertThat(dir.resolve("pretrained/silero_vad_v5.onnx")).isRegularFile();

        // Fresh windows, then the same directory moved elsewhere: identical outputs.
        List<AlignedWindow> fresh = new ArrayList<>();
        int[] freshLabels = new int[40];
        for (int i = 0; i < 40; i++) {
            int speaks = rnd.nextInt(2);
            int animals = rnd.nextInt(2);
            fresh.add(window(500 + i, speaks == 1, animals == 1, rnd));
            freshLabels[i] = 2 * speaks + animals;
        }
        float[][] first;
        try (ModelDirectory.Loaded m = ModelDirectory.load(dir, Device.cpu())) {
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < fresh.size(); i++) {
                all.add(i);
            }
            double accuracy =
                    FusionTrainer.accuracy(m.model(), m.windowBatch(), fresh, freshLabels, all);
            System.out.printf("MINILM + SILERO_VAD: fresh-window accuracy %.3f%n", accuracy);
            assertThat(accuracy).isGreaterThanOrEqualTo(0.85);
            // Each modality alone carries one bit of two: both pretrained encoders are used.
            double audioOnly = maskedAccuracy(m, fresh, freshLabels, 2);
            double textOnly = maskedAccuracy(m, fresh, freshLabels, 1);
            System.out.printf(
                    "MINILM + SILERO_VAD: audio only %.3f, text only %.3f%n", audioOnly, textOnly);
            assertThat(Math.max(audioOnly, textOnly)).isLessThanOrEqualTo(0.7);
            first = outputs(m, fresh);
        }
        Path moved = tmp.resolve("elsewhere/model");
        copyTree(dir, moved);
        deleteTree(dir);
        try (ModelDirectory.Loaded m = ModelDirectory.load(moved, Device.cpu())) {
            float[][] again = outputs(m, fresh);
            for (int o = 0; o < first.length; o++) {
                assertThat(again[o]).as("output %d after reload", o).containsExactly(first[o]);
            }
        }
        // The operator's path (one ORT thread per encoder): same fused embeddings and labels.
        FusionInference inference = new FusionInference(moved);
        inference.open("cpu", 1);
        try {
            List<Scored> scored = inference.infer(fresh);
            int e = EMBEDDING;
            for (int i = 0; i < fresh.size(); i++) {
                List<Float> fused = scored.get(i).embedding.getFused();
                for (int d = 0; d < e; d++) {
                    assertThat(fused.get(d)).isEqualTo(first[1][i * e + d]);
                }
            }
        } finally {
            inference.close();
        }

        Files.delete(moved.resolve("pretrained/silero_vad_v5.onnx"));
        assertThatThrownBy(() -> ModelDirectory.load(moved, Device.cpu()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(moved.resolve("pretrained/silero_vad_v5.onnx").toString());
    }

    @Test
    void savingWithoutThePretrainedFilesFailsClearly() throws Exception {
        WordVocabulary vocab = WordVocabulary.build(List.of("unused"), 4);
        Path tokenizer = tmp.resolve("tokenizer.json");
        vocab.write(tokenizer);
        ModelManifest m = manifest(tokenizer, vocab.size());
        try (ai.djl.Model model = ai.djl.Model.newInstance("avfuse", Device.cpu(), "PyTorch")) {
            FusionModel block = new FusionModel(m);
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, FusionModel.inputShapes(m, 1));
            assertThatThrownBy(() -> ModelDirectory.save(model, m, tokenizer, tmp.resolve("x")))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("MINILM");
        }
        assertThatThrownBy(() -> new WindowBatch(m, null)).hasMessageContaining("MINILM");
    }

    /** Accuracy with modality {@code masked} (1 audio, 2 text) marked missing. */
    private static double maskedAccuracy(
            ModelDirectory.Loaded m, List<AlignedWindow> windows, int[] labels, int masked) {
        return TwoBitTask.accuracyWith(m, m.windowBatch(), windows, labels, masked);
    }

    /** All six outputs of the model for {@code windows}, flattened. */
    private static float[][] outputs(ModelDirectory.Loaded m, List<AlignedWindow> windows) {
        try (NDManager manager = m.model().getNDManager().newSubManager()) {
            NDList out =
                    m.model()
                            .getBlock()
                            .forward(
                                    new ParameterStore(manager, false),
                                    m.windowBatch().toInputs(manager, windows).tensors(),
                                    false);
            float[][] flat = new float[out.size()][];
            for (int i = 0; i < out.size(); i++) {
                flat[i] = out.get(i).toFloatArray();
            }
            return flat;
        }
    }

    private static AlignedWindow window(int i, boolean speaks, boolean animals, Random rnd) {
        List<String> topic = animals ? ANIMALS : MONEY;
        String caption = topic.get(rnd.nextInt(topic.size()));
        return AlignedWindow.newBuilder()
                .setStreamId("s")
                .setWindowStartUs(i * 1_500_000L)
                .setWindowEndUs((i + 1) * 1_500_000L)
                .setPresence(
                        ModalityPresence.newBuilder()
                                .setVideo(false)
                                .setAudio(true)
                                .setText(true)
                                .setMetadata(false)
                                .build())
                .setFrames(List.of())
                .setFramesSeen(0)
                .setAudio(audio(speaks, rnd))
                .setTexts(
                        List.of(
                                WindowText.newBuilder()
                                        .setEventTimeUs(i * 1_500_000L)
                                        .setDurationUs(0)
                                        .setKind(TextKind.CAPTION)
                                        .setText(caption)
                                        .build()))
                .setTextCarriedOver(false)
                .setMetadata(null)
                .setMetadataTimeUs(0)
                .setAlignedAtUs(0)
                .build();
    }

    /** 1.5 s at 16 kHz: real speech, or a tone, noise or near silence; random gain and hiss. */
    private static WindowAudio audio(boolean speaks, Random rnd) {
        int n = 24_000;
        float[] base;
        if (speaks) {
            base = resampled(speech.get(rnd.nextInt(speech.size())), n);
        } else {
            int kind = rnd.nextInt(3);
            base =
                    kind == 0
                            ? resampled(noise, n)
                            : PretrainedFixtures.toneSamples(
                                    kind == 1 ? 150 + rnd.nextInt(2000) : 0, n);
        }
        float gain = 0.3f + 0.7f * rnd.nextFloat();
        double hiss = 0.002 + 0.01 * rnd.nextDouble();
        ByteBuffer s = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < n; k++) {
            s.putFloat((float) (gain * base[k] + hiss * rnd.nextGaussian()));
        }
        s.flip();
        return WindowAudio.newBuilder()
                .setSampleRate(16_000)
                .setChannels(1)
                .setSamples(s)
                .setCoverage(1f)
                .setGaps(0)
                .build();
    }

    private static float[] resampled(WindowAudio audio, int n) {
        return new AudioPreprocessor(16_000, n * 1_000_000L / 16_000).apply(audio).samples();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
