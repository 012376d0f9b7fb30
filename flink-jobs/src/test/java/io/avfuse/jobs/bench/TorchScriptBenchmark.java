package io.avfuse.jobs.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import ai.djl.translate.NoopTranslator;
import io.avfuse.jobs.model.TensorBuffers;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * P3: the same TorchScript model (tools/torchscript/export_fixtures.py's {@code
 * torchscript-whole/model.pt}, exported by Debian's python3-torch) called from Java through DJL
 * against Python's PyTorch calling it directly, same batch, same intra-op threads, same constant
 * inputs, alternated round by round (Java in this warm JVM, Python as a child process per round
 * that loads and warms up before it times). The Java side makes its input tensors on every call as
 * the job does: from the direct buffers ({@link TensorBuffers}) kept between calls, which the job's
 * preprocessors write into in place ({@code WindowBatch.reusingInputBuffers()}, used by {@code
 * FusionInference}); neither side times preprocessing. {@code -Davfuse.p3.inputs-ab=true} also
 * times, in the same rounds, the inputs copied from Java arrays into the kept buffers (the third
 * round's job), made from Java arrays per call (the job before {@link TensorBuffers}) and built
 * once (as Python does); {@code -Davfuse.p3.optimizer-ab=true} the job's inputs with libtorch's
 * graph executor optimizer off; {@code -Davfuse.p3.breakdown=true} adds, per way of building the
 * inputs, the microseconds per call of building them, the forward pass, reading the logits and
 * closing. Rates are per wall-clock second and per second of the calling thread's CPU time (both
 * sides run the model on that thread), the second less sensitive to a loaded machine.
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
    private static final java.util.Set<String> PYTHON_SETTINGS = new java.util.HashSet<>();

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
                        + " per round, DJL inputs built per call as the job builds them%n",
                pt.getFileName(), batch, threads, calls);
        System.out.printf(
                "  DJL settings: libtorch intra-op %d, inter-op %d, graph optimizer %s, grad"
                        + " mode %s%n",
                JniUtils.getNumThreads(),
                JniUtils.getNumInteropThreads(),
                System.getProperty("ai.djl.pytorch.graph_optimizer", "true (default)"),
                JniUtils.isGradMode());
        try (ZooModel<NDList, NDList> model = criteria.loadModel()) {
            ParameterStore ps = new ParameterStore(model.getNDManager(), false);
            float[] frames = filled(batch * K * 3 * SIDE * SIDE, 0.5f);
            float[] mask = filled(batch * K, 1f);
            float[] mel = filled(batch * MELS * MEL_FRAMES, 0.1f);
            int[] tokens = new int[batch * TOKENS];
            Arrays.fill(tokens, 3);
            float[] meta = filled(batch * META, 0.2f);
            float[] presence = filled(batch * 4, 1f);
            // The job's way since the fourth round (WindowBatch.reusingInputBuffers, used by
            // FusionInference): the preprocessors write each window's values straight into the
            // direct buffers kept between calls, which DJL wraps as is. Their writing is the
            // preprocessing, which neither side times, so the buffers are filled once here and a
            // call only claims and wraps them.
            TensorBuffers written = new TensorBuffers();
            written.floats(0, frames.length).put(frames);
            written.floats(1, mask.length).put(mask);
            written.floats(2, mel.length).put(mel);
            written.ints(3, tokens.length).put(tokens);
            written.floats(4, meta.length).put(meta);
            written.floats(5, presence.length).put(presence);
            Function<NDManager, NDList> writtenInputs =
                    m ->
                            new NDList(
                                    claimed(written, m, 0, new Shape(batch, K, 3, SIDE, SIDE)),
                                    claimed(written, m, 1, new Shape(batch, K)),
                                    claimed(written, m, 2, new Shape(batch, 1, MELS, MEL_FRAMES)),
                                    claimedInts(written, m, 3, new Shape(batch, TOKENS)),
                                    claimed(written, m, 4, new Shape(batch, META)),
                                    claimed(written, m, 5, new Shape(batch, 4)));
            // The third round's: the preprocessors' Java arrays copied into the kept buffers.
            TensorBuffers buffers = new TensorBuffers();
            Function<NDManager, NDList> copiedInputs =
                    m ->
                            new NDList(
                                    buffers.floats(
                                            m, 0, frames, new Shape(batch, K, 3, SIDE, SIDE)),
                                    buffers.floats(m, 1, mask, new Shape(batch, K)),
                                    buffers.floats(
                                            m, 2, mel, new Shape(batch, 1, MELS, MEL_FRAMES)),
                                    buffers.ints(m, 3, tokens, new Shape(batch, TOKENS)),
                                    buffers.floats(m, 4, meta, new Shape(batch, META)),
                                    buffers.floats(m, 5, presence, new Shape(batch, 4)));
            // Before: a tensor per Java array per call, which DJL copies into a new direct buffer.
            Function<NDManager, NDList> arrayInputs =
                    m ->
                            new NDList(
                                    m.create(frames, new Shape(batch, K, 3, SIDE, SIDE)),
                                    m.create(mask, new Shape(batch, K)),
                                    m.create(mel, new Shape(batch, 1, MELS, MEL_FRAMES)),
                                    m.create(tokens, new Shape(batch, TOKENS)),
                                    m.create(meta, new Shape(batch, META)),
                                    m.create(presence, new Shape(batch, 4)));
            // Python's way: the tensors built once, outside the timed calls.
            NDList fixed = arrayInputs.apply(model.getNDManager().newSubManager());
            Function<NDManager, NDList> fixedInputs = m -> fixed;
            Runnable job = () -> call(model, ps, writtenInputs);
            // -Davfuse.p3.inputs-ab=true: every round also times the other ways of building the
            // inputs, side by side, in an order that rotates round by round.
            boolean inputsAb = Boolean.getBoolean("avfuse.p3.inputs-ab");
            List<String> names = new ArrayList<>(List.of("job (written in place)"));
            List<Runnable> variants = new ArrayList<>(List.of(job));
            if (inputsAb) {
                names.addAll(List.of("copied from arrays", "arrays per call", "built once"));
                variants.add(() -> call(model, ps, copiedInputs));
                variants.add(() -> call(model, ps, arrayInputs));
                variants.add(() -> call(model, ps, fixedInputs));
            }
            // -Davfuse.p3.optimizer-ab=true: the job's inputs with libtorch's graph executor
            // optimizer off, in the same rounds (the switch is per thread: set around each call).
            boolean optimizerAb = Boolean.getBoolean("avfuse.p3.optimizer-ab");
            double[] pyOff = new double[rounds];
            double[] pyOffCpu = new double[rounds];
            if (optimizerAb) {
                names.add("optimizer off");
                variants.add(
                        () -> {
                            JniUtils.setGraphExecutorOptimize(false);
                            try {
                                job.run();
                            } finally {
                                JniUtils.setGraphExecutorOptimize(true);
                            }
                        });
            }
            for (int i = 0; i < Math.max(1, calls / 4); i++) {
                variants.forEach(Runnable::run); // warm-up, as the Python side does
            }
            // Windows per second of wall-clock time and of the calling thread's CPU time: with
            // one intra-op thread libtorch runs on the calling thread, on both sides, and CPU time
            // leaves out the time a loaded machine keeps the thread waiting.
            double[][] rates = new double[variants.size()][rounds];
            double[][] cpuRates = new double[variants.size()][rounds];
            double[] py = new double[rounds];
            double[] pyCpu = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                for (int v = 0; v < variants.size(); v++) {
                    int pick = (v + r) % variants.size();
                    double[] rate = rate(variants.get(pick), batch, calls);
                    rates[pick][r] = rate[0];
                    cpuRates[pick][r] = rate[1];
                }
                double[] pyRate = python(python, script, pt, batch, threads, calls, Map.of());
                if (optimizerAb) {
                    double[] off =
                            python(
                                    python,
                                    script,
                                    pt,
                                    batch,
                                    threads,
                                    calls,
                                    Map.of("P3_GRAPH_OPTIMIZE", "0"));
                    pyOff[r] = off[0];
                    pyOffCpu[r] = off[1];
                }
                py[r] = pyRate[0];
                pyCpu[r] = pyRate[1];
                StringBuilder others = new StringBuilder();
                for (int v = 1; v < variants.size(); v++) {
                    others.append(
                            String.format(
                                    "; %s %.1f win/s (CPU %.1f)",
                                    names.get(v), rates[v][r], cpuRates[v][r]));
                }
                System.out.printf(
                        "  round %d: DJL %.1f win/s, Python %.1f win/s, ratio %.2f (CPU time:"
                                + " %.2f)%s%n",
                        r + 1,
                        rates[0][r],
                        py[r],
                        rates[0][r] / py[r],
                        cpuRates[0][r] / pyCpu[r],
                        others);
                if (optimizerAb) {
                    System.out.printf(
                            "           Python with the optimizer off %.1f win/s (CPU %.1f)%n",
                            pyOff[r], pyOffCpu[r]);
                }
            }
            double[] java = rates[0];
            // -Davfuse.p3.breakdown=true: where one call's time goes, for each way of building
            // the inputs, alternated.
            if (Boolean.getBoolean("avfuse.p3.breakdown")) {
                for (int r = 0; r < rounds; r++) {
                    breakdown("job (written in place)", model, ps, writtenInputs, calls);
                    breakdown("copied from arrays", model, ps, copiedInputs, calls);
                    breakdown("arrays per call", model, ps, arrayInputs, calls);
                    breakdown("built once", model, ps, fixedInputs, calls);
                }
            }
            // -Davfuse.p3.profile=DIR: libtorch's own profiler over the job's calls, written to
            // DIR/djl-trace.json for tools/bench/torch_trace_ops.py to set beside Python's.
            String profile = System.getProperty("avfuse.p3.profile");
            if (profile != null) {
                JniUtils.startProfile(false, false, false);
                for (int i = 0; i < calls; i++) {
                    job.run();
                }
                JniUtils.stopProfile(Path.of(profile, "djl-trace.json").toString());
                System.out.printf("  profile of %d calls: %s/djl-trace.json%n", calls, profile);
            }
            String b = " (batch " + batch + ")";
            for (int v = 1; v < variants.size(); v++) {
                result(
                        "DJL inputs " + names.get(0) + " / " + names.get(v) + b,
                        "-",
                        median(java),
                        median(rates[v]));
                result(
                        "CPU time: DJL inputs " + names.get(0) + " / " + names.get(v) + b,
                        "-",
                        median(cpuRates[0]),
                        median(cpuRates[v]));
            }
            if (optimizerAb) {
                int off = variants.size() - 1;
                result(
                        "optimizer off on both sides: DJL / Python" + b,
                        "-",
                        median(rates[off]),
                        median(pyOff));
                result(
                        "CPU time: optimizer off on both sides: DJL / Python" + b,
                        "-",
                        median(cpuRates[off]),
                        median(pyOffCpu));
                result("Python: optimizer on / off" + b, "-", median(py), median(pyOff));
            }
            if (inputsAb) {
                result(
                        "DJL inputs from arrays per call (before) / Python" + b,
                        "-",
                        median(rates[2]),
                        median(py));
                result(
                        "DJL inputs copied from arrays (third round) / Python" + b,
                        "-",
                        median(rates[1]),
                        median(py));
            }
            result(
                    "CPU time: DJL / Python PyTorch (batch " + batch + ", " + threads + " threads)",
                    ">= 1.0",
                    median(cpuRates[0]),
                    median(pyCpu));
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

    /** One model call, as FusionInference makes it: a sub-manager per call, closed after. */
    private static void call(
            ZooModel<NDList, NDList> model, ParameterStore ps, Function<NDManager, NDList> inputs) {
        call(model, ps, inputs, null);
    }

    /**
     * The same; with {@code phases} it adds the nanoseconds of its four phases there: building the
     * inputs, the forward pass, reading the logits into Java, closing the call's tensors.
     */
    private static void call(
            ZooModel<NDList, NDList> model,
            ParameterStore ps,
            Function<NDManager, NDList> inputs,
            long[] phases) {
        long t0 = System.nanoTime();
        NDManager m = model.getNDManager().newSubManager();
        NDList in = inputs.apply(m);
        long t1 = System.nanoTime();
        NDList out = model.getBlock().forward(ps, in, false);
        long t2 = System.nanoTime();
        NDArray logits = out.get(0);
        if (logits.getDataType() != DataType.FLOAT32) {
            throw new IllegalStateException("logits " + logits);
        }
        logits.toFloatArray();
        long t3 = System.nanoTime();
        out.close();
        m.close();
        if (phases != null) {
            phases[0] += t1 - t0;
            phases[1] += t2 - t1;
            phases[2] += t3 - t2;
            phases[3] += System.nanoTime() - t3;
        }
    }

    /** What the preprocessors wrote into float slot {@code slot}, claimed and wrapped. */
    private static NDArray claimed(TensorBuffers buffers, NDManager m, int slot, Shape shape) {
        int n = Math.toIntExact(shape.size());
        buffers.floats(slot, n).position(n);
        return buffers.tensor(m, slot, shape);
    }

    /** The same for int slot {@code slot}. */
    private static NDArray claimedInts(TensorBuffers buffers, NDManager m, int slot, Shape shape) {
        int n = Math.toIntExact(shape.size());
        buffers.ints(slot, n).position(n);
        return buffers.tensor(m, slot, shape);
    }

    /** Microseconds per call of each phase of {@link #call}, over {@code calls} calls. */
    private static void breakdown(
            String what,
            ZooModel<NDList, NDList> model,
            ParameterStore ps,
            Function<NDManager, NDList> inputs,
            int calls) {
        long[] phases = new long[4];
        for (int i = 0; i < calls; i++) {
            call(model, ps, inputs, phases);
        }
        System.out.printf(
                "  breakdown, %s: inputs %.0f us, forward %.0f us, logits to Java %.0f us, close"
                        + " %.0f us per call (%d calls)%n",
                what,
                phases[0] / 1e3 / calls,
                phases[1] / 1e3 / calls,
                phases[2] / 1e3 / calls,
                phases[3] / 1e3 / calls,
                calls);
    }

    /** Python's windows per second, of wall-clock time and of its thread's CPU time. */
    private static double[] python(
            String python,
            String script,
            Path pt,
            int batch,
            int threads,
            int calls,
            Map<String, String> env)
            throws Exception {
        ProcessBuilder builder =
                new ProcessBuilder(
                                List.of(
                                        python,
                                        script,
                                        pt.toString(),
                                        Integer.toString(batch),
                                        Integer.toString(threads),
                                        Integer.toString(calls)))
                        .redirectErrorStream(true);
        builder.environment().putAll(env);
        Process p = builder.start();
        String result = null;
        StringBuilder all = new StringBuilder();
        try (BufferedReader r =
                new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                all.append(line).append('\n');
                if (line.startsWith("python ")) {
                    result = line.substring(7).trim();
                } else if (line.startsWith("settings: ") && PYTHON_SETTINGS.add(line)) {
                    System.out.println("  Python " + line);
                }
            }
        }
        if (p.waitFor() != 0 || result == null) {
            throw new IllegalStateException("python side failed:\n" + all);
        }
        String[] rates = result.split(" ");
        return new double[] {Double.parseDouble(rates[0]), Double.parseDouble(rates[1])};
    }

    /** A RESULT line for run-all.sh's table: the ratio {@code a / b} of two rates. */
    private static void result(String what, String target, double a, double b) {
        System.out.printf("RESULT|P3|%s|%.2f|%s|%.0f / %.0f win/s%n", what, a / b, target, a, b);
    }

    /** Windows per second of wall-clock time and of this thread's CPU time. */
    private static double[] rate(Runnable call, int batch, int calls) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpuStart = threads.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            call.run();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuSeconds = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
        return new double[] {batch * calls / seconds, batch * calls / cpuSeconds};
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
