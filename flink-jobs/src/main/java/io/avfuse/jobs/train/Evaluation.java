package io.avfuse.jobs.train;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.avfuse.jobs.model.ModelDirectory;
import io.avfuse.jobs.model.WindowBatch;
import io.avfuse.schemas.AlignedWindow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model measured on labelled windows: accuracy and macro-F1 for every subset of modalities (the
 * ablation table), what removing each modality costs, text-to-window retrieval in the joint space,
 * and how much each modality moves the prediction (a modality-collapse check).
 *
 * <p>{@code Evaluation e = Evaluation.of(loaded, data); e.ablation().get("video+audio");}
 */
public final class Evaluation {
    public static final String[] MODALITIES = {"video", "audio", "text", "metadata"};
    private static final int BATCH = 32;

    /** Accuracy and macro-F1 over the windows. */
    public record Scores(double accuracy, double macroF1) {}

    /** Recall@1/5/10 both ways and the number of candidates (chance is k / candidates). */
    public record Retrieval(
            double textToWindowAt1,
            double textToWindowAt5,
            double textToWindowAt10,
            double windowToTextAt1,
            double windowToTextAt5,
            double windowToTextAt10,
            int candidates) {}

    private final Map<String, Scores> ablation;
    private final Map<String, Double> contribution;
    private final Retrieval retrieval;
    private final int windows;

    private Evaluation(
            Map<String, Scores> ablation,
            Map<String, Double> contribution,
            Retrieval retrieval,
            int windows) {
        this.ablation = ablation;
        this.contribution = contribution;
        this.retrieval = retrieval;
        this.windows = windows;
    }

    /** Subset names in a fixed order: singles, pairs, triples, all four. */
    public static List<String> subsets() {
        List<String> names = new ArrayList<>();
        for (int size = 1; size <= 4; size++) {
            for (int mask = 1; mask < 16; mask++) {
                if (Integer.bitCount(mask) == size) {
                    names.add(name(mask));
                }
            }
        }
        return names;
    }

    static String name(int mask) {
        List<String> parts = new ArrayList<>();
        for (int m = 0; m < 4; m++) {
            if ((mask & (1 << m)) != 0) {
                parts.add(MODALITIES[m]);
            }
        }
        return String.join("+", parts);
    }

    public static Evaluation of(ModelDirectory.Loaded loaded, LabelledWindows data) {
        int classes = data.classes().size();
        int n = data.size();
        WindowBatch batcher = loaded.windowBatch();
        int[][] predicted = new int[16][n];
        float[][] fullScores = new float[n][];
        float[][][] withoutScores = new float[4][n][];
        float[][] text = new float[n][];
        float[][] window = new float[n][];
        boolean[] hasText = new boolean[n];
        for (int from = 0; from < n; from += BATCH) {
            List<AlignedWindow> part = data.windows().subList(from, Math.min(n, from + BATCH));
            try (NDManager m = loaded.model().getNDManager().newSubManager()) {
                WindowBatch.Inputs in = batcher.toInputs(m, part);
                for (int mask = 1; mask < 16; mask++) {
                    NDList out = forward(loaded, m, in, mask);
                    long[] best = out.get(0).argMax(1).toLongArray();
                    for (int i = 0; i < part.size(); i++) {
                        predicted[mask][from + i] = (int) best[i];
                    }
                    float[][] scores = rows(out.get(0).softmax(1).toFloatArray(), part.size());
                    if (mask == 15) {
                        float[][] t = rows(out.get(4).toFloatArray(), part.size());
                        for (int i = 0; i < part.size(); i++) {
                            fullScores[from + i] = scores[i];
                            text[from + i] = t[i];
                            hasText[from + i] = in.presence()[i][2] > 0;
                        }
                    } else if (Integer.bitCount(mask) == 3) {
                        int missing = Integer.numberOfTrailingZeros(~mask & 15);
                        for (int i = 0; i < part.size(); i++) {
                            withoutScores[missing][from + i] = scores[i];
                        }
                        if (missing == 2) {
                            float[][] fused = rows(out.get(1).toFloatArray(), part.size());
                            for (int i = 0; i < part.size(); i++) {
                                window[from + i] = fused[i];
                            }
                        }
                    }
                }
            }
        }
        Map<String, Scores> ablation = new LinkedHashMap<>();
        for (String subset : subsets()) {
            int mask = maskOf(subset);
            ablation.put(subset, scores(predicted[mask], data.labels(), classes));
        }
        Map<String, Double> contribution = new LinkedHashMap<>();
        for (int m = 0; m < 4; m++) {
            double tv = 0;
            for (int i = 0; i < n; i++) {
                double d = 0;
                for (int c = 0; c < classes; c++) {
                    d += Math.abs(fullScores[i][c] - withoutScores[m][i][c]);
                }
                tv += d / 2;
            }
            contribution.put(MODALITIES[m], tv / n);
        }
        return new Evaluation(ablation, contribution, retrieval(text, window, hasText), n);
    }

    private static NDList forward(
            ModelDirectory.Loaded loaded, NDManager m, WindowBatch.Inputs in, int mask) {
        float[][] presence = new float[in.presence().length][4];
        for (int i = 0; i < presence.length; i++) {
            for (int mod = 0; mod < 4; mod++) {
                presence[i][mod] = (mask & (1 << mod)) != 0 ? in.presence()[i][mod] : 0;
            }
        }
        NDList x = new NDList(in.tensors());
        x.set(5, m.create(presence));
        return loaded.model().getBlock().forward(new ParameterStore(m, false), x, false);
    }

    static int maskOf(String subset) {
        int mask = 0;
        for (String part : subset.split("\\+")) {
            mask |= 1 << List.of(MODALITIES).indexOf(part);
        }
        return mask;
    }

    static Scores scores(int[] predicted, int[] labels, int classes) {
        int correct = 0;
        int[] tp = new int[classes];
        int[] fp = new int[classes];
        int[] fn = new int[classes];
        for (int i = 0; i < labels.length; i++) {
            if (predicted[i] == labels[i]) {
                correct++;
                tp[labels[i]]++;
            } else {
                fp[predicted[i]]++;
                fn[labels[i]]++;
            }
        }
        double f1Sum = 0;
        int present = 0;
        for (int c = 0; c < classes; c++) {
            if (tp[c] + fn[c] == 0) {
                continue; // a class absent from the labels has no recall to average
            }
            present++;
            double denominator = 2.0 * tp[c] + fp[c] + fn[c];
            f1Sum += denominator == 0 ? 0 : 2.0 * tp[c] / denominator;
        }
        return new Scores(correct / (double) labels.length, present == 0 ? 0 : f1Sum / present);
    }

    /** Text embeddings against the fused embedding of the other modalities, same window = hit. */
    static Retrieval retrieval(float[][] text, float[][] window, boolean[] hasText) {
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < hasText.length; i++) {
            if (hasText[i]) {
                rows.add(i);
            }
        }
        int n = rows.size();
        double[][] sim = new double[n][n];
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                sim[a][b] = dot(text[rows.get(a)], window[rows.get(b)]);
            }
        }
        int[] ks = {1, 5, 10};
        double[] t2w = new double[3];
        double[] w2t = new double[3];
        for (int a = 0; a < n; a++) {
            int rankText = 0;
            int rankWindow = 0;
            for (int b = 0; b < n; b++) {
                rankText += sim[a][b] > sim[a][a] ? 1 : 0;
                rankWindow += sim[b][a] > sim[a][a] ? 1 : 0;
            }
            for (int k = 0; k < 3; k++) {
                t2w[k] += rankText < ks[k] ? 1 : 0;
                w2t[k] += rankWindow < ks[k] ? 1 : 0;
            }
        }
        double d = Math.max(1, n);
        return new Retrieval(
                t2w[0] / d, t2w[1] / d, t2w[2] / d, w2t[0] / d, w2t[1] / d, w2t[2] / d, n);
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static float[][] rows(float[] flat, int n) {
        int d = flat.length / n;
        float[][] out = new float[n][d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * d, out[i], 0, d);
        }
        return out;
    }

    public Map<String, Scores> ablation() {
        return ablation;
    }

    /** Mean total-variation distance between the prediction with and without each modality. */
    public Map<String, Double> contribution() {
        return contribution;
    }

    public Retrieval retrieval() {
        return retrieval;
    }

    public int windows() {
        return windows;
    }

    public Scores all() {
        return ablation.get("video+audio+text+metadata");
    }

    /** The best single modality's name. */
    public String bestSingle() {
        String best = MODALITIES[0];
        for (String m : MODALITIES) {
            if (ablation.get(m).accuracy() > ablation.get(best).accuracy()) {
                best = m;
            }
        }
        return best;
    }

    /** Accuracy lost when modality {@code m} is missing from every window. */
    public double lossWithout(String m) {
        return all().accuracy()
                - ablation.get(name(15 & ~(1 << List.of(MODALITIES).indexOf(m)))).accuracy();
    }
}
