package io.avfuse.jobs.bench;

import java.util.Arrays;
import java.util.Map;

/**
 * The soak's pass/fail arithmetic, kept apart from the run so that it can be unit-tested: a
 * least-squares trend over a tail of the samples, and the verdict lines printed at the end.
 *
 * <p>{@code SoakCriteria.notGrowingAfterWarmUp("heap after GC", t, heap, 0.10)}
 */
final class SoakCriteria {
    private SoakCriteria() {}

    /** One criterion's outcome, with the figures it was decided on. */
    record Verdict(String criterion, boolean met, String figures) {
        String line() {
            return String.format("%-4s %s: %s", met ? "MET" : "MISS", criterion, figures);
        }
    }

    /** Least-squares slope of {@code y} over {@code x} (units of y per unit of x). */
    static double slope(double[] x, double[] y) {
        if (x.length != y.length || x.length < 2) {
            throw new IllegalArgumentException("need two or more (x, y) pairs, got " + x.length);
        }
        double mx = Arrays.stream(x).average().orElseThrow();
        double my = Arrays.stream(y).average().orElseThrow();
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
        }
        if (sxx == 0) {
            throw new IllegalArgumentException("all x are equal: no slope");
        }
        return sxy / sxx;
    }

    /** The samples from {@code skipFraction} of the way in to the end (at least two). */
    static double[] tail(double[] values, double skipFraction) {
        int from = (int) Math.floor(values.length * skipFraction);
        return Arrays.copyOfRange(
                values, Math.min(from, Math.max(0, values.length - 2)), values.length);
    }

    /**
     * Not growing after warm-up: the peak of the last third of the samples is at most {@code
     * tolerance} above the peak of the middle third (the first third is warm-up). Growth (a leak,
     * state never freed) adds to every level, so it lifts the peak. The floor and a least-squares
     * trend are reported but not judged: both swing with the sampling phase when the series moves
     * between levels, as checkpoint size does when a checkpoint finds one or two window generations
     * pending (docs/reliability.md, Soak).
     */
    static Verdict notGrowingAfterWarmUp(
            String criterion, double[] t, double[] y, double tolerance) {
        if (y.length < 3) {
            return new Verdict(criterion, false, "fewer than 3 samples");
        }
        int third = y.length / 3;
        double[] middle = Arrays.copyOfRange(y, third, y.length - third);
        double[] last = Arrays.copyOfRange(y, y.length - third, y.length);
        double middlePeak = Arrays.stream(middle).max().orElseThrow();
        double lastPeak = Arrays.stream(last).max().orElseThrow();
        double middleFloor = Arrays.stream(middle).min().orElseThrow();
        double lastFloor = Arrays.stream(last).min().orElseThrow();
        boolean met = lastPeak <= (1 + tolerance) * middlePeak;
        double[] tt = Arrays.copyOfRange(t, third, t.length);
        double[] ty = Arrays.copyOfRange(y, third, y.length);
        double change = slope(tt, ty) * (tt[tt.length - 1] - tt[0]);
        double mean = Arrays.stream(ty).average().orElseThrow();
        return new Verdict(
                criterion,
                met,
                String.format(
                        "peak %.1f -> %.1f (middle third -> last third, %d samples each; limit"
                                + " +%.0f %%); floor %.1f -> %.1f, trend over the last two thirds"
                                + " %+.1f %% of their mean %.1f (not judged)",
                        middlePeak,
                        lastPeak,
                        last.length,
                        100 * tolerance,
                        middleFloor,
                        lastFloor,
                        mean == 0 ? 0 : 100 * change / mean,
                        mean));
    }

    /** Every value is at most {@code limit}. */
    static Verdict atMost(String criterion, double[] y, double limit, String unit) {
        double max = Arrays.stream(y).max().orElse(Double.NaN);
        return new Verdict(
                criterion,
                max <= limit,
                String.format("max %.4g %s (limit %.4g %s)", max, unit, limit, unit));
    }

    /** The {@code q} quantile (nearest rank) of {@code values}, NaN when there are none. */
    static double quantile(double[] values, double q) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] s = values.clone();
        Arrays.sort(s);
        return s[Math.max(0, (int) Math.ceil(q * s.length) - 1)];
    }

    /** The p99 of {@code durationsMs} is below {@code intervalMs}; no values is a miss. */
    static Verdict p99Below(String criterion, double[] durationsMs, double intervalMs) {
        double p99 = quantile(durationsMs, 0.99);
        return new Verdict(
                criterion,
                durationsMs.length > 0 && p99 < intervalMs,
                String.format(
                        "%d checkpoints, p50 %.0f ms, p99 %.0f ms, max %.0f ms (interval %.0f ms)",
                        durationsMs.length,
                        quantile(durationsMs, 0.5),
                        p99,
                        Arrays.stream(durationsMs).max().orElse(Double.NaN),
                        intervalMs));
    }

    /**
     * Not growing: over the second half of the samples the trend of {@code y} adds less than {@code
     * allowance} (in {@code unit}) from its first sample to its last. For consumer lag the
     * allowance is one checkpoint interval's worth of input: committed offsets move only when a
     * checkpoint completes, so that is the measurement's own resolution.
     */
    static Verdict notGrowing(
            String criterion, double[] t, double[] y, double allowance, String unit) {
        double[] tt = tail(t, 0.5);
        double[] ty = tail(y, 0.5);
        double slope = slope(tt, ty);
        double growth = slope * (tt[tt.length - 1] - tt[0]);
        return new Verdict(
                criterion,
                growth < allowance,
                String.format(
                        "trend over the last %d samples (%.0f-%.0f s) %+.1f %s/s, %+.0f %s in all"
                                + " (limit +%.0f); min %.0f, max %.0f",
                        tt.length,
                        tt[0],
                        tt[tt.length - 1],
                        slope,
                        unit,
                        growth,
                        unit,
                        allowance,
                        Arrays.stream(ty).min().orElse(Double.NaN),
                        Arrays.stream(ty).max().orElse(Double.NaN)));
    }

    /**
     * Met when every counter named in {@code mustBeZero} is 0; the figures list all of {@code
     * counters}, so that the context (e.g. windows emitted) is printed beside them.
     */
    static Verdict noneOf(String criterion, Map<String, Long> counters, String... mustBeZero) {
        boolean met = true;
        for (String name : mustBeZero) {
            Long n = counters.get(name);
            if (n == null) {
                throw new IllegalArgumentException("no counter " + name + " in " + counters);
            }
            met &= n == 0;
        }
        StringBuilder figures = new StringBuilder();
        counters.forEach(
                (name, n) ->
                        figures.append(figures.length() == 0 ? "" : ", ").append(name + " " + n));
        return new Verdict(criterion, met, figures.toString());
    }
}
