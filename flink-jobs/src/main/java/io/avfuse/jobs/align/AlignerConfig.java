package io.avfuse.jobs.align;

import java.io.Serializable;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * What the aligner needs to know, in microseconds. Built from the job options; {@link #defaults()}
 * suits 25 fps video and 16 kHz audio.
 *
 * <p>{@code AlignerConfig.defaults().withWindow(Duration.ofSeconds(2), Duration.ofSeconds(1))}
 *
 * @param windowUs window length W
 * @param hopUs distance between window starts H (H ≤ W); windows start at multiples of H
 * @param framesPerWindow K, frames sampled evenly per window
 * @param toleranceUs how far past a window's end the watermark must be before an alive modality
 *     counts as complete; records later than that are late
 * @param timeoutUs a modality silent for this long (in event time, behind the watermark) is dead:
 *     it no longer holds windows back and windows without it are marked missing it
 * @param textTtlUs a window with no text carries the most recent text event this young
 * @param metadataTtlUs metadata features stay valid this long
 * @param maxPendingWindows per stream; beyond it the oldest window is emitted early
 * @param maxFramesPerWindow frames buffered per window; beyond it every other one is evicted
 * @param maxTextsPerWindow text events buffered per window; beyond it the oldest is evicted
 * @param idleFlushUs wall-clock time a stream may send nothing before its pending windows are
 *     emitted anyway (0: never): a watermark that stops because every source went quiet must not
 *     hold the last windows back for ever
 */
public record AlignerConfig(
        long windowUs,
        long hopUs,
        int framesPerWindow,
        Map<Modality, Long> toleranceUs,
        Map<Modality, Long> timeoutUs,
        long textTtlUs,
        long metadataTtlUs,
        int maxPendingWindows,
        int maxFramesPerWindow,
        int maxTextsPerWindow,
        long idleFlushUs)
        implements Serializable {

    public AlignerConfig {
        if (windowUs <= 0 || hopUs <= 0 || hopUs > windowUs) {
            throw new IllegalArgumentException(
                    "need 0 < hop <= window, got window " + windowUs + " µs, hop " + hopUs + " µs");
        }
        if (framesPerWindow < 1 || maxFramesPerWindow < framesPerWindow) {
            throw new IllegalArgumentException(
                    "need 1 <= frames per window <= max frames per window");
        }
        if (idleFlushUs < 0 || (idleFlushUs > 0 && idleFlushUs < 1000)) {
            throw new IllegalArgumentException(
                    "idle flush must be 0 (off) or at least 1 ms, got " + idleFlushUs + " µs");
        }
        if (maxPendingWindows < 1 || maxTextsPerWindow < 1) {
            throw new IllegalArgumentException("caps must be positive");
        }
        toleranceUs = complete(toleranceUs, "tolerance");
        timeoutUs = complete(timeoutUs, "timeout");
        long needed = (windowUs + hopUs - 1) / hopUs + StreamAligner.MAX_TEXT_SPAN_WINDOWS + 2;
        if (maxPendingWindows < needed) {
            // A single caption may open this many windows at once; fewer would force windows
            // out before their watermark on every record.
            throw new IllegalArgumentException(
                    "max pending windows "
                            + maxPendingWindows
                            + " is below "
                            + needed
                            + " (windows per record at this window/hop, plus a caption's span)");
        }
    }

    public static AlignerConfig defaults() {
        return new AlignerConfig(
                1_000_000,
                1_000_000,
                8,
                perModality(100_000, 100_000, 2_000_000, 1_000_000),
                perModality(2_000_000, 2_000_000, 10_000_000, 30_000_000),
                5_000_000,
                30_000_000,
                32,
                64,
                64,
                10_000_000);
    }

    public static Map<Modality, Long> perModality(long video, long audio, long text, long meta) {
        Map<Modality, Long> m = new EnumMap<>(Modality.class);
        m.put(Modality.VIDEO, video);
        m.put(Modality.AUDIO, audio);
        m.put(Modality.TEXT, text);
        m.put(Modality.METADATA, meta);
        return m;
    }

    public AlignerConfig withWindow(Duration window, Duration hop) {
        return new AlignerConfig(
                window.toNanos() / 1000,
                hop.toNanos() / 1000,
                framesPerWindow,
                toleranceUs,
                timeoutUs,
                textTtlUs,
                metadataTtlUs,
                maxPendingWindows,
                maxFramesPerWindow,
                maxTextsPerWindow,
                idleFlushUs);
    }

    public long tolerance(Modality m) {
        return toleranceUs.get(m);
    }

    public long timeout(Modality m) {
        return timeoutUs.get(m);
    }

    /** Start of the oldest window that contains {@code t}: the first multiple of H above t - W. */
    public long firstWindowStart(long t) {
        return Math.floorDiv(t - windowUs, hopUs) * hopUs + hopUs;
    }

    private static Map<Modality, Long> complete(Map<Modality, Long> values, String what) {
        Map<Modality, Long> copy = new EnumMap<>(Modality.class);
        for (Modality m : Modality.values()) {
            Long v = values.get(m);
            if (v == null || v < 0) {
                throw new IllegalArgumentException(what + " for " + m.label() + " must be >= 0");
            }
            copy.put(m, v);
        }
        return Map.copyOf(copy);
    }
}
