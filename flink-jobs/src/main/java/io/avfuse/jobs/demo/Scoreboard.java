package io.avfuse.jobs.demo;

import io.avfuse.jobs.train.ClipLabels;
import io.avfuse.schemas.ModalityPresence;
import io.avfuse.schemas.Prediction;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scores the live predictions against the generated labels as they are committed, prints one line
 * per window and, at the end, the summary: accuracy overall and on degraded windows, and latency
 * from the window's end to the prediction.
 */
final class Scoreboard {
    /** Where a live stream's labels are and when its media time 0 was. */
    record Truth(ClipLabels labels, long anchorUs) {}

    private final Map<String, Truth> truths;
    private final List<String> labelNames;
    private final boolean looping;
    private final boolean quiet;
    private final PrintWriter out;
    private final long startedAtUs = System.currentTimeMillis() * 1000;

    private boolean summarised;
    private int windows;
    private int scored;
    private int correct;
    private int degraded;
    private int degradedCorrect;
    private final List<Double> emittedLatencyS = new ArrayList<>();
    private final List<Double> visibleLatencyS = new ArrayList<>();
    private final List<Double> alignWaitS = new ArrayList<>();
    private final List<Double> inferenceS = new ArrayList<>();

    Scoreboard(
            Map<String, Truth> truths,
            List<String> labelNames,
            boolean looping,
            boolean quiet,
            PrintWriter out) {
        this.truths = truths;
        this.labelNames = labelNames;
        this.looping = looping;
        this.quiet = quiet;
        this.out = out;
    }

    synchronized void add(Prediction p, long visibleAtUs) {
        windows++;
        Truth truth = truths.get(p.getStreamId().toString());
        int expected =
                truth == null
                        ? -1
                        : truth.labels().classAt(p.getWindowStartUs(), truth.anchorUs(), looping);
        boolean right = expected == p.getLabelIndex();
        if (expected >= 0) {
            scored++;
            correct += right ? 1 : 0;
            if (p.getDegraded()) {
                degraded++;
                degradedCorrect += right ? 1 : 0;
            }
        }
        double emitted = (p.getTimes().getEmittedAtUs() - p.getWindowEndUs()) / 1e6;
        double visible = (visibleAtUs - p.getWindowEndUs()) / 1e6;
        emittedLatencyS.add(emitted);
        alignWaitS.add((p.getTimes().getAlignedAtUs() - p.getWindowEndUs()) / 1e6);
        inferenceS.add((p.getTimes().getInferenceEndUs() - p.getTimes().getAlignedAtUs()) / 1e6);
        visibleLatencyS.add(visible);
        if (!quiet) {
            long index =
                    truth == null
                            ? -1
                            : Math.floorDiv(p.getWindowStartUs() - truth.anchorUs(), 1_000_000L);
            out.printf(
                    Locale.ROOT,
                    "  %-14s w%-3d %-17s %.2f  %s %-22s %s %-8s %.2f s%n",
                    p.getStreamId(),
                    index,
                    p.getLabel(),
                    p.getConfidence(),
                    expected < 0 ? "?" : right ? "ok" : "--",
                    expected < 0 ? "(no label)" : "(truth " + labelNames.get(expected) + ")",
                    presence(p.getPresence()),
                    p.getDegraded() ? "degraded" : "",
                    visible);
            out.flush();
        }
    }

    synchronized int windows() {
        return windows;
    }

    /** Prints the summary once: Ctrl-C of a looping demo and its main thread both ask. */
    synchronized void summary(String modelVersion) {
        if (summarised) {
            return;
        }
        summarised = true;
        double seconds = (System.currentTimeMillis() * 1000 - startedAtUs) / 1e6;
        out.printf(
                Locale.ROOT,
                "summary: %d windows predicted in %.1f s by model %s%n",
                windows,
                seconds,
                modelVersion);
        out.printf(
                Locale.ROOT,
                "  accuracy            %s (%d of %d labelled windows; chance 0.125)%n",
                ratio(correct, scored),
                correct,
                scored);
        out.printf(
                Locale.ROOT,
                "  degraded windows    %d, accuracy %s (%d correct); full windows %d, accuracy %s%n",
                degraded,
                ratio(degradedCorrect, degraded),
                degradedCorrect,
                scored - degraded,
                ratio(correct - degradedCorrect, scored - degraded));
        out.printf(
                Locale.ROOT,
                "  latency window end -> prediction emitted      p50 %s  p99 %s%n",
                seconds(percentile(emittedLatencyS, 0.50)),
                seconds(percentile(emittedLatencyS, 0.99)));
        out.printf(
                Locale.ROOT,
                "  latency window end -> committed (read_committed) p50 %s  p99 %s%n",
                seconds(percentile(visibleLatencyS, 0.50)),
                seconds(percentile(visibleLatencyS, 0.99)));
        out.printf(
                Locale.ROOT,
                "  of which (p50): waiting for the watermark %s, batching + model %s%n",
                seconds(percentile(alignWaitS, 0.50)),
                seconds(percentile(inferenceS, 0.50)));
        out.flush();
    }

    static String presence(ModalityPresence p) {
        return (p.getVideo() ? "V" : "-")
                + (p.getAudio() ? "A" : "-")
                + (p.getText() ? "T" : "-")
                + (p.getMetadata() ? "M" : "-");
    }

    private static String ratio(int num, int den) {
        return den == 0 ? "n/a" : DemoCommand.pct(num / (double) den);
    }

    private static String seconds(double s) {
        return Double.isNaN(s) ? "n/a" : String.format(Locale.ROOT, "%.2f s", s);
    }

    /** Nearest-rank percentile. */
    static double percentile(List<Double> values, double q) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(q * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }
}
