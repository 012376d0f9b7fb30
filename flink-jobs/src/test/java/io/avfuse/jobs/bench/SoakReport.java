package io.avfuse.jobs.bench;

import io.avfuse.jobs.bench.SoakCriteria.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The end of a soak: the samples as a Markdown table, one verdict per criterion, and {@code
 * RESULT|...} lines for tools/bench/run-all.sh's table (P7 is the heap criterion).
 */
final class SoakReport {
    /**
     * How far the peak or floor of heap or checkpoint size may rise from the middle to the last
     * third of the run (the first third is warm-up).
     */
    static final double GROWTH_TOLERANCE = 0.10;

    static final long HEAP_LIMIT_BYTES = 2_000_000_000L;

    private SoakReport() {}

    static List<Verdict> verdicts(
            List<SoakProbe.Sample> samples,
            double[] durationsMs,
            Map<String, Long> alignerCounters,
            double rate,
            int checkpointS) {
        double[] t = samples.stream().mapToDouble(SoakProbe.Sample::atS).toArray();
        double[] heapMb = samples.stream().mapToDouble(s -> s.heapAfterGcBytes() / 1e6).toArray();
        List<SoakProbe.Sample> withCheckpoint =
                samples.stream().filter(s -> s.checkpointId() >= 0).toList();
        double[] lag = samples.stream().mapToDouble(SoakProbe.Sample::totalLag).toArray();
        List<Verdict> v = new ArrayList<>();
        v.add(
                SoakCriteria.atMost(
                        "heap after GC at most 2 GB", heapMb, HEAP_LIMIT_BYTES / 1e6, "MB"));
        v.add(
                SoakCriteria.notGrowingAfterWarmUp(
                        "heap after GC not growing after warm-up (MB)",
                        t,
                        heapMb,
                        GROWTH_TOLERANCE));
        if (withCheckpoint.size() < 2) {
            v.add(
                    new Verdict(
                            "checkpoint size not growing", false, "fewer than 2 samples had one"));
        } else {
            v.add(
                    SoakCriteria.notGrowingAfterWarmUp(
                            "checkpoint size not growing after warm-up (MB)",
                            withCheckpoint.stream().mapToDouble(SoakProbe.Sample::atS).toArray(),
                            withCheckpoint.stream()
                                    .mapToDouble(s -> s.checkpointBytes() / 1e6)
                                    .toArray(),
                            GROWTH_TOLERANCE));
        }
        v.add(
                SoakCriteria.p99Below(
                        "checkpoint duration p99 below the interval",
                        durationsMs,
                        checkpointS * 1000.0));
        long failed = samples.isEmpty() ? 0 : samples.get(samples.size() - 1).checkpointsFailed();
        v.add(new Verdict("no failed checkpoint", failed == 0, failed + " failed"));
        v.add(
                SoakCriteria.notGrowing(
                        "consumer lag not growing over the second half (limit: one checkpoint"
                                + " interval of input)",
                        t,
                        lag,
                        rate * checkpointS,
                        "records"));
        // Behind schedule by a constant (warm-up) is fine; growing means the rate was not
        // delivered, and the other verdicts were made at a lower one.
        double[] behindMs =
                samples.stream().mapToDouble(SoakProbe.Sample::producerBehindMs).toArray();
        v.add(
                SoakCriteria.notGrowing(
                        "producer kept the rate over the second half (lag behind its schedule"
                                + " not growing by a checkpoint interval)",
                        t,
                        behindMs,
                        checkpointS * 1000.0,
                        "ms"));
        // The producer sends every stream in event-time order and never pauses: a late record or
        // an idle flush here means windows were closed before their records had been read.
        v.add(
                SoakCriteria.noneOf(
                        "no late records, no idle flush, no window forced out by the cap",
                        alignerCounters,
                        "lateRecords",
                        "windowsFlushedIdle",
                        "windowsForcedByCap"));
        return v;
    }

    static void print(
            List<SoakProbe.Sample> samples,
            double[] durationsMs,
            Map<String, Long> alignerCounters,
            int streams,
            int seconds,
            double rate,
            int checkpointS) {
        System.out.println();
        System.out.println(
                "| t (s) | heap after GC (MB) | checkpoint | size (MB) | duration (ms) | lag video"
                        + " / audio / text (records) | consumed (rec/s) | predictions/s |"
                        + " producer behind (ms) |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        for (SoakProbe.Sample s : samples) {
            System.out.printf(
                    "| %.0f | %.0f | #%d | %.1f | %d | %s | %.0f | %.1f | %d |%n",
                    s.atS(),
                    s.heapAfterGcBytes() / 1e6,
                    s.checkpointId(),
                    s.checkpointBytes() / 1e6,
                    s.checkpointMs(),
                    java.util.Arrays.stream(s.lag())
                            .mapToObj(Long::toString)
                            .reduce((a, b) -> a + " / " + b)
                            .orElse(""),
                    s.consumedPerS(),
                    s.predictionsPerS(),
                    s.producerBehindMs());
        }
        System.out.println();
        List<Verdict> verdicts = verdicts(samples, durationsMs, alignerCounters, rate, checkpointS);
        verdicts.forEach(v -> System.out.println(v.line()));
        boolean all = verdicts.stream().allMatch(Verdict::met);
        System.out.printf(
                "SOAK %s: %d streams, %d s, %.0f records/s, load average at the end %s%n",
                all ? "PASSED" : "FAILED", streams, seconds, rate, LiveBenchmark.loadAverage());
        Verdict heapMax = verdicts.get(0);
        Verdict heapFlat = verdicts.get(1);
        System.out.printf(
                "RESULT|P7|heap after GC, %d streams for %d s at %.0f rec/s (target 600 s)|%s|not"
                        + " growing (+%.0f %%) and max <= 2 GB|%s; %s%n",
                streams,
                seconds,
                rate,
                heapMax.met() && heapFlat.met() ? "met" : "missed",
                100 * GROWTH_TOLERANCE,
                heapMax.figures(),
                heapFlat.figures());
        for (Verdict v : verdicts.subList(2, verdicts.size())) {
            System.out.printf(
                    "RESULT|SOAK|%s|%s|-|%s%n",
                    v.criterion(), v.met() ? "met" : "missed", v.figures());
        }
    }
}
