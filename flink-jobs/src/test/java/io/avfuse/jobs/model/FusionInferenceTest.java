package io.avfuse.jobs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import io.avfuse.jobs.encode.WordVocabulary;
import io.avfuse.schemas.AlignedWindow;
import io.avfuse.schemas.FrameEncoding;
import io.avfuse.schemas.ModalityPresence;
import io.avfuse.schemas.Prediction;
import io.avfuse.schemas.TextKind;
import io.avfuse.schemas.WindowAudio;
import io.avfuse.schemas.WindowFrame;
import io.avfuse.schemas.WindowText;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class FusionInferenceTest {
    @TempDir Path tmp;

    static ModelManifest manifest(int vocabulary, int embedding) {
        return manifest(vocabulary, embedding, List.of("video", "audio", "text"));
    }

    static ModelManifest manifest(int vocabulary, int embedding, List<String> modalities) {
        return manifest(vocabulary, embedding, modalities, 4, 1_000_000);
    }

    static ModelManifest manifest(
            int vocabulary, int embedding, List<String> modalities, int frames, long windowUs) {
        return ModelManifest.builder("test-7", List.of("calm", "goal", "foul"), modalities)
                .embedding(embedding)
                .frames(frames)
                .frameSize(16, 16)
                .maxTokens(8)
                .vocabulary(vocabulary)
                .features(List.of("speed"))
                .featureClip(100f)
                .windowUs(windowUs)
                .build();
    }

    static Path savedModel(Path tmp, int embedding) throws Exception {
        return savedModel(tmp, embedding, List.of("video", "audio", "text"));
    }

    /** Saves a freshly initialised model trained on {@code modalities}; returns its directory. */
    public static Path savedModel(Path tmp, int embedding, List<String> modalities)
            throws Exception {
        return savedModel(tmp, embedding, modalities, 4, 1_000_000);
    }

    /** The same with {@code frames} per window and windows of {@code windowUs}. */
    public static Path savedModel(
            Path tmp, int embedding, List<String> modalities, int frames, long windowUs)
            throws Exception {
        WordVocabulary vocab = WordVocabulary.build(List.of("goal foul calm crowd referee"), 16);
        Path tokenizer = tmp.resolve("tok/tokenizer.json");
        vocab.write(tokenizer);
        ModelManifest m = manifest(vocab.size(), embedding, modalities, frames, windowUs);
        Path dir =
                tmp.resolve(
                        "model-"
                                + embedding
                                + (frames == 4 && windowUs == 1_000_000
                                        ? ""
                                        : "-k" + frames + "-w" + windowUs));
        try (Model model = Model.newInstance("avfuse", Device.cpu(), "PyTorch")) {
            model.getNDManager().getEngine().setRandomSeed(1);
            FusionModel block = new FusionModel(m);
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, FusionModel.inputShapes(m, 1));
            ModelDirectory.save(model, m, tokenizer, dir);
        }
        return dir;
    }

    /** Frame {@code index} of a window: 16x16 GRAY8 {@code pixels}. */
    public static WindowFrame grayFrame(int index, byte[] pixels) {
        return WindowFrame.newBuilder()
                .setEventTimeUs(index)
                .setFrameIndex(index)
                .setWidth(16)
                .setHeight(16)
                .setEncoding(FrameEncoding.GRAY8)
                .setData(ByteBuffer.wrap(pixels))
                .build();
    }

    public static AlignedWindow window(
            String stream, int i, boolean video, boolean audio, boolean text) {
        return window(stream, i, video, audio, text, 4, 1);
    }

    /** A window of {@code seconds} with {@code k} frames (when {@code video}). */
    public static AlignedWindow window(
            String stream, int i, boolean video, boolean audio, boolean text, int k, int seconds) {
        List<WindowFrame> frames = new ArrayList<>();
        if (video) {
            for (int f = 0; f < k; f++) {
                byte[] gray = new byte[16 * 16];
                java.util.Arrays.fill(gray, (byte) (40 * f + i));
                frames.add(grayFrame(f, gray));
            }
        }
        WindowAudio a = null;
        if (audio) {
            int samples = 16_000 * seconds;
            ByteBuffer s = ByteBuffer.allocate(samples * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int n = 0; n < samples; n++) {
                s.putFloat((float) Math.sin(2 * Math.PI * (300 + 100 * i) * n / 16_000.0));
            }
            s.flip();
            a =
                    WindowAudio.newBuilder()
                            .setSampleRate(16_000)
                            .setChannels(1)
                            .setSamples(s)
                            .setCoverage(1f)
                            .setGaps(0)
                            .build();
        }
        List<WindowText> texts =
                text
                        ? List.of(
                                WindowText.newBuilder()
                                        .setEventTimeUs(0)
                                        .setDurationUs(0)
                                        .setKind(TextKind.CAPTION)
                                        .setText("GOAL by the crowd")
                                        .build())
                        : List.of();
        return AlignedWindow.newBuilder()
                .setStreamId(stream)
                .setWindowStartUs(i * 1_000_000L * seconds)
                .setWindowEndUs((i + 1) * 1_000_000L * seconds)
                .setPresence(
                        ModalityPresence.newBuilder()
                                .setVideo(video)
                                .setAudio(audio)
                                .setText(text)
                                .setMetadata(true)
                                .build())
                .setFrames(frames)
                .setFramesSeen(frames.size())
                .setAudio(a)
                .setTexts(texts)
                .setTextCarriedOver(false)
                .setMetadata(Map.of("speed", 3.0))
                .setMetadataTimeUs(1)
                .setAlignedAtUs(42)
                .build();
    }

    @Test
    void everyWindowGetsAPredictionAndEmbeddingFlaggedWhereAModalityIsMissing() throws Exception {
        Path dir = savedModel(tmp, 16);
        FusionInference inference = new FusionInference(dir);
        inference.open("cpu", 0);
        try {
            List<AlignedWindow> windows =
                    List.of(
                            window("a", 0, true, true, true),
                            window("a", 1, true, false, true),
                            window("b", 0, false, true, true));
            List<Scored> out = inference.infer(windows);
            assertThat(out).hasSize(3);
            assertThat(out)
                    .extracting(s -> s.prediction.getDegraded())
                    .containsExactly(false, true, true);
            assertThat(out).extracting(s -> s.prediction.getModelVersion()).containsOnly("test-7");
            for (Scored s : out) {
                Prediction p = s.prediction;
                assertThat(p.getScores().stream().mapToDouble(Float::doubleValue).sum())
                        .isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
                assertThat(p.getLabel())
                        .isEqualTo(List.of("calm", "goal", "foul").get(p.getLabelIndex()));
                assertThat(p.getConfidence()).isEqualTo(p.getScores().get(p.getLabelIndex()));
                assertThat(p.getTimes().getBatchSize()).isEqualTo(3);
                assertThat(p.getTimes().getAlignedAtUs()).isEqualTo(42);
                double norm =
                        Math.sqrt(s.embedding.getFused().stream().mapToDouble(x -> x * x).sum());
                assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
            }
            assertThat(out.get(1).embedding.getAudio()).isNull();
            assertThat(out.get(1).prediction.getPresence().getAudio()).isFalse();
            assertThat(out.get(2).embedding.getVideo()).isNull();
            assertThat(out.get(0).embedding.getText()).hasSize(16);

            // The same windows one by one give the same results as in the batch.
            Scored alone = inference.infer(List.of(windows.get(1))).get(0);
            for (int c = 0; c < 3; c++) {
                assertThat(alone.prediction.getScores().get(c))
                        .isCloseTo(
                                out.get(1).prediction.getScores().get(c),
                                org.assertj.core.data.Offset.offset(1e-5f));
            }
        } finally {
            inference.close();
        }
    }

    @Test
    void openSetsGradModeOffAndTheThreadCountOnTheThreadThatWillInfer() throws Exception {
        Path dir = savedModel(tmp, 16);
        ai.djl.engine.Engine.getEngine("PyTorch");
        int before = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        int wanted = before == 1 ? 2 : 1;
        List<Object> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        FusionInference inference = new FusionInference(dir);
        Thread modelThread =
                new Thread(
                        () -> {
                            try {
                                seen.add(ai.djl.pytorch.jni.JniUtils.isGradMode());
                                inference.open("cpu", wanted);
                                seen.add(ai.djl.pytorch.jni.JniUtils.isGradMode());
                                seen.add(ai.djl.pytorch.jni.JniUtils.getNumThreads());
                                seen.add(
                                        inference
                                                .infer(List.of(window("a", 0, true, true, true)))
                                                .size());
                            } catch (Exception e) {
                                seen.add(e);
                            } finally {
                                inference.close();
                            }
                        },
                        "fresh-model-thread");
        try {
            modelThread.start();
            modelThread.join();
        } finally {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(before);
        }
        assertThat(seen)
                .as(
                        "a new thread starts with grad mode on; open turns it off there and sets the"
                                + " slot's thread count")
                .containsExactly(true, false, wanted, 1);
    }

    @Test
    void inputBuffersKeptBetweenCallsGiveTheResultsOfFreshOnes() throws Exception {
        Path dir = savedModel(tmp, 16);
        FusionInference kept = new FusionInference(dir);
        FusionInference fresh = new FusionInference(dir, false);
        kept.open("cpu", 0);
        fresh.open("cpu", 0);
        try {
            // Batches that grow, shrink and differ in content: a kept buffer must show each call
            // its own windows, never a previous call's rest.
            List<List<AlignedWindow>> batches =
                    List.of(
                            List.of(window("a", 0, true, true, true)),
                            List.of(
                                    window("a", 1, true, true, false),
                                    window("b", 2, false, true, true),
                                    window("c", 3, true, false, true)),
                            List.of(window("d", 4, true, true, true)),
                            List.of(window("a", 0, true, true, true)));
            for (List<AlignedWindow> batch : batches) {
                List<Scored> a = kept.infer(batch);
                List<Scored> b = fresh.infer(batch);
                assertThat(a).hasSameSizeAs(batch);
                for (int i = 0; i < batch.size(); i++) {
                    assertThat(a.get(i).prediction.getScores())
                            .containsExactlyElementsOf(b.get(i).prediction.getScores());
                    assertThat(a.get(i).embedding.getFused())
                            .containsExactlyElementsOf(b.get(i).embedding.getFused());
                }
            }
            // Different windows score differently, so the equality above is not a model that
            // ignores its input.
            assertThat(kept.infer(batches.get(2)).get(0).prediction.getScores())
                    .isNotEqualTo(kept.infer(batches.get(0)).get(0).prediction.getScores());
        } finally {
            kept.close();
            fresh.close();
        }
    }

    @Test
    void theKeptInputBuffersSwitchIsReadWhenTheJobsConstructorRuns() {
        String key = FusionInference.KEPT_INPUT_BUFFERS_PROPERTY;
        assertThat(System.getProperty(key)).isNull();
        assertThat(new FusionInference(tmp).keepsInputBuffers()).isTrue();
        System.setProperty(key, "false");
        try {
            assertThat(new FusionInference(tmp).keepsInputBuffers()).isFalse();
            assertThat(new FusionInference(tmp, true).keepsInputBuffers()).isTrue();
        } finally {
            System.clearProperty(key);
        }
        assertThat(new FusionInference(tmp).keepsInputBuffers()).isTrue();
    }

    @Test
    void aModelThatDoesNotMatchItsManifestFailsAtLoadWithAClearMessage() throws Exception {
        Path dir = savedModel(tmp, 16);
        manifest(16, 24).write(dir); // the manifest now claims another embedding size
        assertThatThrownBy(() -> ModelDirectory.load(dir, Device.cpu()))
                .isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("cannot load the parameters in " + dir)
                .hasMessageContaining("embedding 24");
        assertThatThrownBy(() -> ModelDirectory.load(tmp.resolve("nowhere"), Device.cpu()))
                .hasMessageContaining("model directory not found");
        java.nio.file.Files.delete(
                savedModel(tmp.resolve("x"), 16).resolve(ModelDirectory.TOKENIZER));
        assertThatThrownBy(() -> ModelDirectory.load(tmp.resolve("x/model-16"), Device.cpu()))
                .hasMessageContaining("no tokenizer.json");
    }

    @Test
    void loadedParametersGiveTheSameOutputsAsTheSavedModel() throws Exception {
        Path dir = savedModel(tmp, 16);
        try (ModelDirectory.Loaded a = ModelDirectory.load(dir, Device.cpu());
                ModelDirectory.Loaded b = ModelDirectory.load(dir, Device.cpu())) {
            WindowBatch batch = new WindowBatch(a.manifest(), a.tokenizer());
            var inputs =
                    batch.toInputs(
                            a.model().getNDManager(), List.of(window("a", 2, true, true, false)));
            NDList outA =
                    a.model()
                            .getBlock()
                            .forward(
                                    new ParameterStore(a.model().getNDManager(), false),
                                    inputs.tensors(),
                                    false);
            var inputsB =
                    new WindowBatch(b.manifest(), b.tokenizer())
                            .toInputs(
                                    b.model().getNDManager(),
                                    List.of(window("a", 2, true, true, false)));
            NDList outB =
                    b.model()
                            .getBlock()
                            .forward(
                                    new ParameterStore(b.model().getNDManager(), false),
                                    inputsB.tensors(),
                                    false);
            assertThat(outA.get(0).toFloatArray()).containsExactly(outB.get(0).toFloatArray());
        }
    }
}
