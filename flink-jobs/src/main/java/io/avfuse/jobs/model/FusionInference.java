package io.avfuse.jobs.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.avfuse.jobs.infer.BatchInference;
import io.avfuse.schemas.AlignedWindow;
import io.avfuse.schemas.Embedding;
import io.avfuse.schemas.ModalityPresence;
import io.avfuse.schemas.Prediction;
import io.avfuse.schemas.StageTimes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The model behind the batching operator: loads a model directory on the granted device in {@link
 * #open}, turns each batch of aligned windows into one forward pass, and returns a prediction and
 * an embedding per window, tagged with the model version. {@link #open} sets this thread's libtorch
 * state (grad mode off, the intra-op thread count): call {@link #infer} on the same thread.
 *
 * <p>{@code new BatchingInferenceOperator<>(new FusionInference(modelDir), 32, 50)}
 */
public final class FusionInference implements BatchInference<AlignedWindow, Scored> {
    private static final long serialVersionUID = 1L;

    private final String modelDir;
    private final boolean reuseInputBuffers;
    private transient ModelDirectory.Loaded loaded;
    private transient WindowBatch batcher;

    /**
     * JVM-wide switch for {@link #FusionInference(Path)} (the job's, the hot-swap loader's and the
     * benchmarks' constructor): {@code -Davfuse.model.kept-input-buffers=false} allocates every
     * call's input buffers anew, the path before the kept buffers, so a benchmark can set both side
     * by side in one JVM (EndToEndBenchmark's {@code -Davfuse.p1.before}). Default true.
     */
    public static final String KEPT_INPUT_BUFFERS_PROPERTY = "avfuse.model.kept-input-buffers";

    public FusionInference(Path modelDir) {
        this(
                modelDir,
                Boolean.parseBoolean(System.getProperty(KEPT_INPUT_BUFFERS_PROPERTY, "true")));
    }

    /**
     * @param reuseInputBuffers write each call's inputs into direct buffers kept between calls
     *     (safe here: a call's tensors are closed before it returns); false allocates them per
     *     call, as DJL does for Java arrays (the before of the benchmarks' A/B)
     */
    public FusionInference(Path modelDir, boolean reuseInputBuffers) {
        this.modelDir = modelDir.toString();
        this.reuseInputBuffers = reuseInputBuffers;
    }

    /** Whether calls keep their input buffers (see {@link #KEPT_INPUT_BUFFERS_PROPERTY}). */
    boolean keepsInputBuffers() {
        return reuseInputBuffers;
    }

    @Override
    public void open(String device, int cpuThreads) throws Exception {
        Device d =
                device.startsWith("gpu:")
                        ? Device.gpu(Integer.parseInt(device.substring(4)))
                        : Device.cpu();
        ai.djl.engine.Engine.getEngine("PyTorch");
        // libtorch's grad mode is per thread, and DJL turns it off only on the thread that starts
        // the engine; every other thread starts with it on. Call open() on the thread that will
        // call infer() (the batching operator's model thread does).
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
        if (!d.isGpu() && cpuThreads > 0) {
            // With OpenMP the count goes to this thread's pool and to threads that have not run a
            // parallel op yet; every slot sets the same share.
            ai.djl.pytorch.jni.JniUtils.setNumThreads(cpuThreads);
        }
        // Pretrained encoders run on ONNX Runtime on the CPU, one pool per session: the slot's
        // share.
        loaded = ModelDirectory.load(Path.of(modelDir), d, cpuThreads);
        batcher =
                reuseInputBuffers
                        ? loaded.windowBatch().reusingInputBuffers()
                        : loaded.windowBatch();
    }

    @Override
    public List<Scored> infer(List<AlignedWindow> batch) {
        long startUs = nowUs();
        try (NDManager manager = loaded.model().getNDManager().newSubManager()) {
            WindowBatch.Inputs in = batcher.toInputs(manager, batch);
            NDList out =
                    loaded.model()
                            .getBlock()
                            .forward(new ParameterStore(manager, false), in.tensors(), false);
            float[][] scores = rows(out.get(0).softmax(1));
            float[][][] embeddings = new float[5][][];
            for (int e = 0; e < 5; e++) {
                embeddings[e] = rows(out.get(e + 1));
            }
            long endUs = nowUs();
            List<Scored> results = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                results.add(
                        score(
                                batch.get(i),
                                in.presence()[i],
                                scores[i],
                                embeddings,
                                i,
                                startUs,
                                endUs,
                                batch.size()));
            }
            return results;
        }
    }

    private Scored score(
            AlignedWindow w,
            float[] present,
            float[] scores,
            float[][][] embeddings,
            int row,
            long startUs,
            long endUs,
            int batchSize) {
        ModelManifest m = loaded.manifest();
        int best = 0;
        for (int c = 1; c < scores.length; c++) {
            if (scores[c] > scores[best]) {
                best = c;
            }
        }
        ModalityPresence presence =
                ModalityPresence.newBuilder()
                        .setVideo(present[0] > 0)
                        .setAudio(present[1] > 0)
                        .setText(present[2] > 0)
                        .setMetadata(present[3] > 0)
                        .build();
        StageTimes times =
                StageTimes.newBuilder()
                        .setAlignedAtUs(w.getAlignedAtUs())
                        .setInferenceStartUs(startUs)
                        .setInferenceEndUs(endUs)
                        .setEmittedAtUs(nowUs())
                        .setBatchSize(batchSize)
                        .build();
        Prediction prediction =
                Prediction.newBuilder()
                        .setStreamId(w.getStreamId())
                        .setWindowStartUs(w.getWindowStartUs())
                        .setWindowEndUs(w.getWindowEndUs())
                        .setLabel(m.labels().get(best))
                        .setLabelIndex(best)
                        .setConfidence(scores[best])
                        .setScores(boxed(scores))
                        .setPresence(presence)
                        .setDegraded(degraded(present, m))
                        .setModelVersion(m.version())
                        .setTimes(times)
                        .build();
        Embedding embedding =
                Embedding.newBuilder()
                        .setStreamId(w.getStreamId())
                        .setWindowStartUs(w.getWindowStartUs())
                        .setWindowEndUs(w.getWindowEndUs())
                        .setPresence(presence)
                        .setModelVersion(m.version())
                        .setFused(boxed(embeddings[0][row]))
                        .setVideo(present[0] > 0 ? boxed(embeddings[1][row]) : null)
                        .setAudio(present[1] > 0 ? boxed(embeddings[2][row]) : null)
                        .setText(present[2] > 0 ? boxed(embeddings[3][row]) : null)
                        .setMetadata(present[3] > 0 ? boxed(embeddings[4][row]) : null)
                        .setTimes(times)
                        .build();
        return new Scored(prediction, embedding);
    }

    /** Degraded when a modality the model was trained on is missing from the window. */
    static boolean degraded(float[] present, ModelManifest m) {
        String[] names = {"video", "audio", "text", "metadata"};
        for (int n = 0; n < names.length; n++) {
            if (present[n] == 0 && m.modalities().contains(names[n])) {
                return true;
            }
        }
        return false;
    }

    private static float[][] rows(NDArray a) {
        int n = (int) a.getShape().get(0);
        int d = (int) a.getShape().get(1);
        float[] flat = a.toFloatArray();
        float[][] out = new float[n][d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * d, out[i], 0, d);
        }
        return out;
    }

    private static List<Float> boxed(float[] v) {
        List<Float> out = new ArrayList<>(v.length);
        for (float x : v) {
            out.add(x);
        }
        return out;
    }

    private static long nowUs() {
        return System.currentTimeMillis() * 1000;
    }

    @Override
    public void close() {
        if (loaded != null) {
            loaded.close();
        }
    }
}
