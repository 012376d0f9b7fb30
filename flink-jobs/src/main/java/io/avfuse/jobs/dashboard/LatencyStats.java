package io.avfuse.jobs.dashboard;

import java.util.Arrays;

/**
 * Percentiles over the last {@code capacity} samples (a ring): a sliding set, so that the numbers
 * follow what the job does now rather than since the dashboard started. Not thread-safe.
 *
 * <p>{@code LatencyStats s = new LatencyStats(1000); s.add(12.5); s.percentile(0.99);}
 */
final class LatencyStats {
    private final double[] ring;
    private int next;
    private int size;

    LatencyStats(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        }
        ring = new double[capacity];
    }

    void add(double value) {
        ring[next] = value;
        next = (next + 1) % ring.length;
        size = Math.min(size + 1, ring.length);
    }

    int size() {
        return size;
    }

    /**
     * The nearest-rank percentile {@code q} (0 &lt; q &le; 1) of the samples held, NaN when there
     * are none.
     */
    double percentile(double q) {
        if (size == 0) {
            return Double.NaN;
        }
        double[] sorted = Arrays.copyOf(ring, size);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * size);
        return sorted[Math.max(0, Math.min(size - 1, rank - 1))];
    }
}
