package io.avfuse.jobs.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import ai.djl.translate.NoopTranslator;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * P3: the same TorchScript model (tools/torchscript/export_fixtures.py's {@code
 * torchscript-whole/model.pt}, exported by Debian's python3-torch) called from Java through DJL
 * against Python's PyTorch calling it directly, same batch, same intra-op threads, same constant
 * inputs, alternated round by round (Java in this warm JVM, Python as a child process per round
 * that loads and warms up before it times). The Java side builds its input tensors from Java arrays
 * on every call (what the job pays); Python reuses its tensors, so the ratio is conservative for
 * Java.
 *
 * <p>{@code java ... io.avfuse.jobs.bench.TorchScriptBenchmark MODEL.pt BATCH THREADS CALLS ROUNDS}
 * (tools/bench/run-all.sh runs it).
 */
public final class TorchScriptBenchmark {
    private static final int K = 4;
    private static final int SIDE = 16;
    private static final int MELS = 64;
    private static final int MEL_FRAMES = 101;
    private static final int TOKENS = 8;
    private static final int META = 2;

    public static void main(String[] args) throws Exception {
        Path pt = Path.of(args[0]);
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        int calls = args.length > 3 ? Integer.parseInt(args[3]) : 200;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 5;
        String python = System.getProperty("avfuse.python", "/usr/bin/python3");
        String script =
                System.getProperty("avfuse.project.root", ".")
                        + "/tools/bench/torchscript_bench.py";
        ai.djl.engine.Engine.getEngine("PyTorch"); // loads libtorch before the thread setting
        JniUtils.setNumThreads(threads);
        Criteria<NDList, NDList> criteria =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(pt)
                        .optEngine("PyTorch")
                        .optTranslator(new NoopTranslator())
                        .build();
        System.out.printf(
                "P3 DJL vs Python PyTorch, TorchScript %s, batch %d, %d intra-op threads, %d calls"
                        + " per round, DJL inputs %s%n",
                pt.getFileName(),
                batch,
                threads,
                calls,
                Boolean.getBoolean("avfuse.p3.reuse-inputs")
                        ? "built once"
                        : "built from Java arrays per call");
        try (ZooModel<NDList, NDList> model = criteria.loadModel()) {
            Block block = model.getBlock();
            ParameterStore ps = new ParameterStore(model.getNDManager(), false);
            float[] frames = filled(batch * K * 3 * SIDE * SIDE, 0.5f);
            float[] mask = filled(batch * K, 1f);
            float[] mel = filled(batch * MELS * MEL_FRAMES, 0.1f);
            int[] tokens = new int[batch * TOKENS];
            Arrays.fill(tokens, 3);
            float[] meta = filled(batch * META, 0.2f);
            float[] presence = filled(batch * 4, 1f);
            // -Davfuse.p3.reuse-inputs=true: build the input tensors once, as the Python side
            // does, to separate the cost of the Java-array-to-tensor copies from the forward pass.
            boolean reuse = Boolean.getBoolean("avfuse.p3.reuse-inputs");
            NDManager kept = model.getNDManager().newSubManager();
            NDList fixed =
                    new NDList(
                            kept.create(frames, new Shape(batch, K, 3, SIDE, SIDE)),
                            kept.create(mask, new Shape(batch, K)),
                            kept.create(mel, new Shape(batch, 1, MELS, MEL_FRAMES)),
                            kept.create(tokens, new Shape(batch, TOKENS)),
                            kept.create(meta, new Shape(batch, META)),
                            kept.create(presence, new Shape(batch, 4)));
            Runnable reused =
                    () -> {
                        NDList out = block.forward(ps, fixed, false);
                        out.get(0).toFloatArray();
                        out.close();
                    };
            Runnable copying =
                    () -> {
                        try (NDManager m = model.getNDManager().newSubManager()) {
                            NDList in =
                                    new NDList(
                                            m.create(frames, new Shape(batch, K, 3, SIDE, SIDE)),
                                            m.create(mask, new Shape(batch, K)),
                                            m.create(mel, new Shape(batch, 1, MELS, MEL_FRAMES)),
                                            m.create(tokens, new Shape(batch, TOKENS)),
                                            m.create(meta, new Shape(batch, META)),
                                            m.create(presence, new Shape(batch, 4)));
                            NDList out = block.forward(ps, in, false);
                            NDArray logits = out.get(0);
                            if (logits.getDataType() != DataType.FLOAT32) {
                                throw new IllegalStateException("logits " + logits);
                            }
                            logits.toFloatArray();
                            out.close();
                        }
                    };
            Runnable call = reuse ? reused : copying;
            // -Davfuse.p3.inputs-ab=true: every round also times the other way of building the
            // inputs, side by side, to measure what building them per call costs.
            boolean inputsAb = Boolean.getBoolean("avfuse.p3.inputs-ab");
            Runnable other = reuse ? copying : reused;
            for (int i = 0; i < Math.max(1, calls / 4); i++) {
                call.run(); // warm-up, as the Python side does
                if (inputsAb) {
                    other.run();
                }
            }
            double[] java = new double[rounds];
            double[] py = new double[rounds];
            double[] alt = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                java[r] = rate(call, batch, calls);
                if (inputsAb) {
                    alt[r] = rate(other, batch, calls);
                }
                py[r] = python(python, script, pt, batch, threads, calls);
                System.out.printf(
                        "  round %d: DJL %.1f win/s, Python %.1f win/s, ratio %.2f%s%n",
                        r + 1,
                        java[r],
                        py[r],
                        java[r] / py[r],
                        inputsAb
                                ? String.format(
                                        "; DJL with inputs %s %.1f win/s",
                                        reuse ? "built per call" : "built once", alt[r])
                                : "");
            }
            if (inputsAb) {
                double perCall = reuse ? median(alt) : median(java);
                double once = reuse ? median(java) : median(alt);
                System.out.printf(
                        "RESULT|P3|DJL inputs built once / built per call (batch %d)|%.2f|-"
                                + "|%.0f / %.0f win/s%n",
                        batch, once / perCall, once, perCall);
            }
            double j = median(java);
            double p = median(py);
            System.out.printf(
                    "median: DJL %.1f win/s, Python %.1f win/s, DJL/Python %.2f (target >= 1.0)%n",
                    j, p, j / p);
            System.out.printf(
                    "RESULT|P3|DJL / Python PyTorch (TorchScript, batch %d, %d threads)|%.2f|>= 1.0"
                            + "|DJL %.0f win/s, Python %.0f win/s%n",
                    batch, threads, j / p, j, p);
        }
    }

    private static double python(
            String python, String script, Path pt, int batch, int threads, int calls)
            throws Exception {
        Process p =
                new ProcessBuilder(
                                List.of(
                                        python,
                                        script,
                                        pt.toString(),
                                        Integer.toString(batch),
                                        Integer.toString(threads),
                                        Integer.toString(calls)))
                        .redirectErrorStream(true)
                        .start();
        String result = null;
        StringBuilder all = new StringBuilder();
        try (BufferedReader r =
                new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                all.append(line).append('\n');
                if (line.startsWith("python ")) {
                    result = line.substring(7).trim();
                }
            }
        }
        if (p.waitFor() != 0 || result == null) {
            throw new IllegalStateException("python side failed:\n" + all);
        }
        return Double.parseDouble(result);
    }

    private static double rate(Runnable call, int batch, int calls) {
        long start = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            call.run();
        }
        return (double) batch * calls / ((System.nanoTime() - start) / 1e9);
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private TorchScriptBenchmark() {}
}
