package io.avfuse.jobs.bench;

import io.avfuse.jobs.job.JobConfig;
import io.avfuse.jobs.model.FusionInference;
import io.avfuse.jobs.model.FusionInferenceTest;
import io.avfuse.schemas.AlignedWindow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * SCALE, the cost table (issue 9): how the two halves of the fusion job cost as streams, window
 * length and frames per window grow, one axis at a time from a base of 200 streams, 1 s windows and
 * 8 frames per window.
 *
 * <ul>
 *   <li>alignment: P5's generated sources (25 fps frames of 2 KB, 20 ms audio chunks, a caption a
 *       second per stream, 10 s of event time) through the real aligner on a MiniCluster at
 *       parallelism 1: records/s and CPU µs per emitted window;
 *   <li>inference: P2's model (freshly initialised, embedding 64) with a manifest of K frames and W
 *       s of audio, on windows of that shape in batches of 32: windows/s and the p99 of a call.
 * </ul>
 *
 * Each cell is the median of ROUNDS runs after one warm-up. Absolute rates on a shared machine move
 * with its load; the table is for how cost grows along each axis.
 *
 * <p>{@code java ... io.avfuse.jobs.bench.CostBenchmark [ROUNDS]} (tools/bench/run-all.sh --only
 * COST)
 */
public final class CostBenchmark {
    private static final int SECONDS = 10;

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        System.out.printf(
                "COST alignment (parallelism 1, %d s of event time per stream) and inference"
                        + " (batch 32), median of %d runs%n",
                SECONDS, rounds);
        System.out.println(
                "| part | streams | window | frames/window | records/s | windows/s | µs per window"
                        + " | p99 call |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        int[][] alignCells = { // streams, window s, frames per window
            {50, 1, 8},
            {200, 1, 8},
            {800, 1, 8},
            {200, 2, 8},
            {200, 4, 8},
            {200, 1, 4},
            {200, 1, 16}
        };
        AlignBenchmark.run(true, config(1, 8), 50, 50L * SECONDS * 25, 50L * SECONDS * 50, 500);
        for (int[] c : alignCells) {
            align(c[0], c[1], c[2], rounds);
        }
        int[][] inferCells = {{1, 4}, {1, 8}, {1, 16}, {2, 8}, {4, 8}}; // window s, frames
        Path tmp = Files.createTempDirectory("avfuse-cost");
        for (int[] c : inferCells) {
            infer(tmp, c[0], c[1], rounds);
        }
    }

    private static JobConfig config(int windowS, int frames) {
        return JobConfig.load(
                null,
                List.of(
                        "align.window=" + windowS + "s",
                        "align.frames-per-window=" + frames,
                        "align.idle-flush=0s"));
    }

    private static void align(int streams, int windowS, int frames, int rounds) throws Exception {
        long videoFrames = (long) streams * SECONDS * 25;
        long chunks = (long) streams * SECONDS * 50;
        long texts = (long) streams * SECONDS;
        long records = videoFrames + chunks + texts;
        long windows = (long) streams * SECONDS / windowS;
        double[] seconds = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            seconds[r] =
                    AlignBenchmark.run(
                            true, config(windowS, frames), streams, videoFrames, chunks, texts);
        }
        double s = median(seconds);
        System.out.printf(
                "| align | %d | %d s | %d | %,.0f | %,.0f | %.0f | - |%n",
                streams, windowS, frames, records / s, windows / s, s * 1e6 / windows);
    }

    private static void infer(Path tmp, int windowS, int frames, int rounds) throws Exception {
        Path model =
                FusionInferenceTest.savedModel(
                        tmp, 64, List.of("video", "audio", "text"), frames, windowS * 1_000_000L);
        List<AlignedWindow> input = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            input.add(
                    FusionInferenceTest.window(
                            "cam-" + (i % 20), i, true, true, true, frames, windowS));
        }
        FusionInference inference = new FusionInference(model);
        inference.open("cpu", 0);
        try {
            batches(inference, input); // warm-up
            double[] rate = new double[rounds];
            double[] p99 = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                double[] b = batches(inference, input);
                rate[r] = b[0];
                p99[r] = b[1];
            }
            System.out.printf(
                    "| infer | - | %d s | %d | - | %,.0f | %.0f | %.1f ms |%n",
                    windowS, frames, median(rate), 1e6 / median(rate), median(p99));
        } finally {
            inference.close();
        }
    }

    /** Windows/s over all windows in batches of 32, and the p99 call in ms. */
    private static double[] batches(FusionInference inference, List<AlignedWindow> input) {
        double[] calls = new double[(input.size() + 31) / 32];
        long start = System.nanoTime();
        for (int from = 0, c = 0; from < input.size(); from += 32, c++) {
            long t = System.nanoTime();
            inference.infer(input.subList(from, Math.min(input.size(), from + 32)));
            calls[c] = (System.nanoTime() - t) / 1e6;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Arrays.sort(calls);
        return new double[] {
            input.size() / seconds,
            calls[Math.min(calls.length - 1, (int) Math.ceil(0.99 * calls.length) - 1)]
        };
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private CostBenchmark() {}
}
