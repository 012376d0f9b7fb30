package io.avfuse.jobs.encode;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Frozen Silero VAD v5 on DJL's ONNX Runtime engine: a window's mono 16 kHz samples to the
 * probability of speech in each 32 ms chunk, {@code (B, chunks)}. The model is recurrent: the
 * windows of a batch run side by side, chunk after chunk, each carrying its own state from a zero
 * state at the window's start; each chunk is preceded by the last {@value #CONTEXT} samples of the
 * previous one, as Silero's reference wrapper does. Not thread-safe; close it to free the session.
 *
 * <p>{@code try (SileroSpeechActivity vad = SileroSpeechActivity.load(onnx)) { float[][] p =
 * vad.probabilities(mono16k); }}
 */
public final class SileroSpeechActivity implements AutoCloseable {
    /** The only sample rate this encoder takes. */
    public static final int SAMPLE_RATE = 16_000;

    /** New samples per chunk at 16 kHz (32 ms). */
    public static final int CHUNK = 512;

    /** Samples of the previous chunk fed before each chunk. */
    public static final int CONTEXT = 64;

    private static final int STATE = 128;

    private final Model model;
    private final Predictor<NDList, NDList> predictor;

    private SileroSpeechActivity(Model model, Predictor<NDList, NDList> predictor) {
        this.model = model;
        this.predictor = predictor;
    }

    /** As {@link #load(Path, int)} with ONNX Runtime's default threads. */
    public static SileroSpeechActivity load(Path onnx) throws IOException {
        return load(onnx, 0);
    }

    /** Loads Silero VAD v5 with {@code threads} intra-op threads (0: ORT's default). */
    public static SileroSpeechActivity load(Path onnx, int threads) throws IOException {
        MiniLmTextEmbedder.requireFile(onnx, "Silero VAD ONNX model");
        Model model = Model.newInstance("silero-vad", Device.cpu(), "OnnxRuntime");
        try {
            model.load(onnx, null, OnnxSignature.threads(threads));
            OnnxSignature.require(model, onnx, "input", "state", "sr");
        } catch (IOException | MalformedModelException | RuntimeException e) {
            model.close();
            throw new IOException(
                    "cannot load Silero VAD (v5) from " + onnx + ": " + e.getMessage(), e);
        }
        return new SileroSpeechActivity(model, model.newPredictor(new NoopTranslator()));
    }

    /** Whole chunks in {@code samples} samples; a trailing partial chunk is not scored. */
    public static int chunks(int samples) {
        return samples / CHUNK;
    }

    /**
     * Speech probability per chunk of each row of {@code mono} (16 kHz, all rows the same length).
     */
    public float[][] probabilities(float[][] mono) {
        int b = mono.length;
        if (b == 0) {
            return new float[0][];
        }
        int n = chunks(mono[0].length);
        for (float[] row : mono) {
            if (chunks(row.length) != n) {
                throw new IllegalArgumentException("rows of different lengths in one batch");
            }
        }
        float[][] out = new float[b][n];
        float[] state = new float[2 * b * STATE];
        float[] input = new float[b * (CONTEXT + CHUNK)];
        for (int c = 0; c < n; c++) {
            for (int i = 0; i < b; i++) {
                int start = c * CHUNK - CONTEXT;
                int row = i * (CONTEXT + CHUNK);
                for (int s = 0; s < CONTEXT + CHUNK; s++) {
                    int at = start + s;
                    input[row + s] = at < 0 ? 0 : mono[i][at];
                }
            }
            try (NDManager m = model.getNDManager().newSubManager()) {
                NDList in =
                        new NDList(
                                named(m.create(input, new Shape(b, CONTEXT + CHUNK)), "input"),
                                named(m.create(state, new Shape(2, b, STATE)), "state"),
                                named(m.create((long) SAMPLE_RATE), "sr"));
                NDList result = predictor.predict(in);
                float[] p = OnnxSignature.output(result, "output").toFloatArray();
                state = OnnxSignature.output(result, "stateN").toFloatArray();
                for (int i = 0; i < b; i++) {
                    out[i][c] = p[i];
                }
            } catch (TranslateException e) {
                throw new IllegalStateException(
                        "Silero VAD inference failed: " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static NDArray named(NDArray a, String name) {
        a.setName(name);
        return a;
    }

    @Override
    public void close() {
        predictor.close();
        model.close();
    }
}
