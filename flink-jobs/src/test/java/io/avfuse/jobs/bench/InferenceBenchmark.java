package io.avfuse.jobs.bench;

import io.avfuse.jobs.model.FusionInference;
import io.avfuse.jobs.model.FusionInferenceTest;
import io.avfuse.schemas.AlignedWindow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * P2: batched versus per-record inference of the same model on the same windows, alternated in one
 * run: windows/s of each, their ratio, and the p99 time a window spends in its model call. The
 * model is a freshly initialised {@code FusionModel} (speed does not depend on the weights): 4
 * frames of 64x64, 1 s of 16 kHz audio, 16 tokens, embedding 64, gated fusion.
 *
 * <p>{@code -Davfuse.p2.buffers-ab=true} runs an A/B instead: batched inference with the frame and
 * audio inputs in direct buffers reused across calls (the default) against buffers allocated per
 * call, alternated, median of the repeats.
 *
 * <p>{@code ./mvnw -q -pl flink-jobs exec:exec -Dexec.executable=java -Dexec.classpathScope=test
 * -Dexec.args="-cp %classpath io.avfuse.jobs.bench.InferenceBenchmark 512 32 5"}
 */
public final class InferenceBenchmark {
    public static void main(String[] args) throws Exception {
        int windows = args.length > 0 ? Integer.parseInt(args[0]) : 512;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        Path tmp = Files.createTempDirectory("avfuse-bench");
        Path model = FusionInferenceTest.savedModel(tmp, 64, List.of("video", "audio", "text"));
        List<AlignedWindow> input = new ArrayList<>();
        for (int i = 0; i < windows; i++) {
            input.add(FusionInferenceTest.window("cam-" + (i % 20), i, true, true, true));
        }
        FusionInference inference = new FusionInference(model);
        inference.open("cpu", 0);
        if (Boolean.getBoolean("avfuse.p2.buffers-ab")) {
            buffersAb(inference, model, input, batch, repeats);
            inference.close();
            return;
        }
        System.out.printf(
                "P2 batched (batch %d) vs per-record inference, %d windows, CPU, threads %s%n",
                batch, windows, System.getProperty("ai.djl.pytorch.num_threads", "engine default"));
        run(inference, input, batch); // warm-up
        run(inference, input, 1);
        double[] batched = new double[repeats];
        double[] single = new double[repeats];
        double[] p99Batched = new double[repeats];
        double[] p99Single = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            double[] b = run(inference, input, batch);
            double[] s = run(inference, input, 1);
            batched[r] = b[0];
            single[r] = s[0];
            p99Batched[r] = b[1];
            p99Single[r] = s[1];
            System.out.printf(
                    "  run %d: batched %.1f win/s (p99 call %.1f ms), per-record %.1f win/s (p99 call %.1f ms), ratio %.2f%n",
                    r + 1, b[0], b[1], s[0], s[1], b[0] / s[0]);
        }
        System.out.printf(
                "median: batched %.1f win/s, per-record %.1f win/s, batched/per-record %.2f (target >= 3);"
                        + " p99 call: batched %.1f ms, per-record %.1f ms%n",
                median(batched),
                median(single),
                median(batched) / median(single),
                median(p99Batched),
                median(p99Single));
        System.out.printf(
                "RESULT|P2|batched (batch %d) / per-record win/s|%.2f|>= 3 at p99 <= wait"
                        + "|%.0f / %.0f win/s; p99 call batched %.1f ms, per-record %.1f ms%n",
                batch,
                median(batched) / median(single),
                median(batched),
                median(single),
                median(p99Batched),
                median(p99Single));
        inference.close();
    }

    private static void buffersAb(
            FusionInference reusing, Path model, List<AlignedWindow> input, int batch, int repeats)
            throws Exception {
        FusionInference allocating = new FusionInference(model, false);
        allocating.open("cpu", 0);
        System.out.printf(
                "P2 input buffers A/B: batch %d, %d windows, reused direct buffers vs allocated"
                        + " per call%n",
                batch, input.size());
        run(reusing, input, batch); // warm-up
        run(allocating, input, batch);
        double[] reused = new double[repeats];
        double[] allocated = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            boolean reusedFirst = r % 2 == 0;
            if (reusedFirst) {
                reused[r] = run(reusing, input, batch)[0];
            }
            allocated[r] = run(allocating, input, batch)[0];
            if (!reusedFirst) {
                reused[r] = run(reusing, input, batch)[0];
            }
            System.out.printf(
                    "  run %d: reused %.1f win/s, allocated per call %.1f win/s, ratio %.2f%n",
                    r + 1, reused[r], allocated[r], reused[r] / allocated[r]);
        }
        System.out.printf(
                "RESULT|P2|input buffers reused / allocated per call, batched win/s (batch %d)"
                        + "|%.2f|> 1|%.0f / %.0f win/s%n",
                batch, median(reused) / median(allocated), median(reused), median(allocated));
        allocating.close();
    }

    /** Windows/s and the p99 duration of one model call, in ms. */
    private static double[] run(FusionInference inference, List<AlignedWindow> input, int batch) {
        List<Double> calls = new ArrayList<>();
        long start = System.nanoTime();
        for (int from = 0; from < input.size(); from += batch) {
            long t = System.nanoTime();
            inference.infer(input.subList(from, Math.min(input.size(), from + batch)));
            calls.add((System.nanoTime() - t) / 1e6);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double[] sorted = calls.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double p99 = sorted[Math.min(sorted.length - 1, (int) Math.ceil(0.99 * sorted.length) - 1)];
        return new double[] {input.size() / seconds, p99};
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private InferenceBenchmark() {}
}
