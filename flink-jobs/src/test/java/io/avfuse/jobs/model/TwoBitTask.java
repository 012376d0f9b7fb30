package io.avfuse.jobs.model;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.avfuse.jobs.encode.WordVocabulary;
import io.avfuse.schemas.AlignedWindow;
import io.avfuse.schemas.ModalityPresence;
import io.avfuse.schemas.WindowAudio;
import io.avfuse.schemas.WindowFrame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The trainers' test task: the label is 2 x (high tone) + (bright frames), so audio or video alone
 * can reach only half, and only fusion gets it right.
 *
 * @param windows video and audio windows, in the order drawn
 * @param labels their classes, indices into {@link #LABELS}
 */
public record TwoBitTask(List<AlignedWindow> windows, int[] labels) {
    public static final List<String> LABELS =
            List.of("low-dark", "low-bright", "high-dark", "high-bright");

    /**
     * {@code n} windows numbered from {@code first}, drawn from {@code rnd}; with {@code shared},
     * tone and brightness carry the same bit (classes 0 and 3 only).
     */
    public static TwoBitTask draw(int n, int first, boolean shared, Random rnd) {
        List<AlignedWindow> windows = new ArrayList<>();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int high = rnd.nextInt(2);
            int bright = shared ? high : rnd.nextInt(2);
            windows.add(window(first + i, high == 1, bright == 1, rnd));
            labels[i] = 2 * high + bright;
        }
        return new TwoBitTask(windows, labels);
    }

    /** Every window's index, for the trainer's accuracy over a subset. */
    public List<Integer> all() {
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            all.add(i);
        }
        return all;
    }

    /** Writes a small word tokenizer (the task has no text) and returns its vocabulary size. */
    static int writeTokenizer(Path file) throws IOException {
        WordVocabulary vocab = WordVocabulary.build(List.of("unused words"), 8);
        vocab.write(file);
        return vocab.size();
    }

    /**
     * A video + audio manifest sized for the task's windows; callers set the fusion and encoders.
     */
    static ModelManifest.Builder manifest(String version, int vocabulary) {
        return ModelManifest.builder(version, LABELS, List.of("video", "audio"))
                .embedding(16)
                .frames(2)
                .frameSize(16, 16)
                .maxTokens(4)
                .vocabulary(vocabulary)
                .featureClip(100f);
    }

    /** Accuracy of a saved model on fresh windows: with both modalities, and with one masked. */
    record Served(double both, double audioOnly, double videoOnly) {
        @Override
        public String toString() {
            return String.format(
                    "both %.3f, audio only %.3f, video only %.3f", both, audioOnly, videoOnly);
        }
    }

    /** Loads the model saved in {@code dir} and measures it on {@code fresh}. */
    static Served served(Path dir, TwoBitTask fresh) throws Exception {
        try (ModelDirectory.Loaded m = ModelDirectory.load(dir, Device.cpu())) {
            WindowBatch batcher = new WindowBatch(m.manifest(), m.tokenizer());
            return new Served(
                    FusionTrainer.accuracy(
                            m.model(), batcher, fresh.windows(), fresh.labels(), fresh.all()),
                    accuracyWith(m, batcher, fresh.windows(), fresh.labels(), 0),
                    accuracyWith(m, batcher, fresh.windows(), fresh.labels(), 1));
        }
    }

    /**
     * Accuracy with modality {@code masked} (0 video, 1 audio, 2 text, 3 metadata) marked missing.
     */
    static double accuracyWith(
            ModelDirectory.Loaded m,
            WindowBatch batcher,
            List<AlignedWindow> w,
            int[] labels,
            int masked) {
        try (NDManager manager = m.model().getNDManager().newSubManager()) {
            WindowBatch.Inputs in = batcher.toInputs(manager, w);
            float[][] presence = in.presence();
            for (float[] row : presence) {
                row[masked] = 0;
            }
            NDList x = new NDList(in.tensors());
            x.set(5, manager.create(presence));
            long[] predicted =
                    m.model()
                            .getBlock()
                            .forward(new ParameterStore(manager, false), x, false)
                            .get(0)
                            .argMax(1)
                            .toLongArray();
            int correct = 0;
            for (int i = 0; i < labels.length; i++) {
                correct += predicted[i] == labels[i] ? 1 : 0;
            }
            return correct / (double) labels.length;
        }
    }

    /** One window: two noisy 16 x 16 gray frames, bright or dark, and 1 s of a high or low tone. */
    public static AlignedWindow window(int i, boolean high, boolean bright, Random rnd) {
        List<WindowFrame> frames = new ArrayList<>();
        for (int f = 0; f < 2; f++) {
            byte[] gray = new byte[16 * 16];
            for (int p = 0; p < gray.length; p++) {
                gray[p] =
                        (byte)
                                Math.max(
                                        0,
                                        Math.min(
                                                255,
                                                (bright ? 170 : 80) + rnd.nextGaussian() * 40));
            }
            frames.add(FusionInferenceTest.grayFrame(f, gray));
        }
        ByteBuffer s = ByteBuffer.allocate(16_000 * 4).order(ByteOrder.LITTLE_ENDIAN);
        double hz = (high ? 1600 : 400) * (0.9 + 0.2 * rnd.nextDouble());
        double phase = rnd.nextDouble() * 6.28;
        for (int n = 0; n < 16_000; n++) {
            s.putFloat(
                    (float)
                            (0.4 * Math.sin(2 * Math.PI * hz * n / 16_000.0 + phase)
                                    + 0.2 * rnd.nextGaussian()));
        }
        s.flip();
        return AlignedWindow.newBuilder()
                .setStreamId("s")
                .setWindowStartUs(i * 1_000_000L)
                .setWindowEndUs((i + 1) * 1_000_000L)
                .setPresence(
                        ModalityPresence.newBuilder()
                                .setVideo(true)
                                .setAudio(true)
                                .setText(false)
                                .setMetadata(false)
                                .build())
                .setFrames(frames)
                .setFramesSeen(2)
                .setAudio(
                        WindowAudio.newBuilder()
                                .setSampleRate(16_000)
                                .setChannels(1)
                                .setSamples(s)
                                .setCoverage(1f)
                                .setGaps(0)
                                .build())
                .setTexts(List.of())
                .setTextCarriedOver(false)
                .setMetadata(null)
                .setMetadataTimeUs(0)
                .setAlignedAtUs(0)
                .build();
    }
}
