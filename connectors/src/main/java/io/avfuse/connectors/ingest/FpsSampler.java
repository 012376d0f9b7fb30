package io.avfuse.connectors.ingest;

/**
 * Thins a video stream to at most a target frame rate by timestamps, not by frame counts, so a
 * variable-rate source is sampled evenly: time is cut into slots of {@code 1/fps} from the first
 * frame, and the first frame that falls into each new slot is kept.
 *
 * <p>{@code FpsSampler s = FpsSampler.of(5.0); if (s.accept(ptsUs)) encode(frame);}
 */
public final class FpsSampler {
    private final double fps;
    private long firstUs = Long.MIN_VALUE;
    private long lastSlot = Long.MIN_VALUE;

    private FpsSampler(double fps) {
        this.fps = fps;
    }

    /** A sampler for {@code fps} frames per second; 0 or less keeps every frame. */
    public static FpsSampler of(double fps) {
        return new FpsSampler(fps);
    }

    /** Whether the frame at {@code ptsUs} is kept. */
    public boolean accept(long ptsUs) {
        if (fps <= 0) {
            return true;
        }
        if (firstUs == Long.MIN_VALUE) {
            firstUs = ptsUs;
        }
        // A microsecond of slack: 25 fps timestamps rounded to µs must not skip a slot.
        long slot = (long) Math.floor((ptsUs - firstUs + 1) * fps / 1_000_000.0);
        if (slot > lastSlot) {
            lastSlot = slot;
            return true;
        }
        return false;
    }
}
