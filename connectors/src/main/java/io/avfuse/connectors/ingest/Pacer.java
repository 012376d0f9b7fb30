package io.avfuse.connectors.ingest;

import java.util.function.LongSupplier;

/**
 * Holds publishing back to the media clock, as a live source would deliver it: media time {@code t}
 * is released at the wall-clock instant {@code start + (t - t0)}. {@link #fast()} never waits.
 *
 * <p>{@code Pacer p = Pacer.realTime(); p.await(frameTimeUs);}
 */
public final class Pacer {
    /** Waits for a number of nanoseconds; replaceable in tests. */
    @FunctionalInterface
    public interface Sleeper {
        void sleepNanos(long nanos) throws InterruptedException;
    }

    private final boolean realTime;
    private final LongSupplier nanoClock;
    private final Sleeper sleeper;
    private long originMediaUs = Long.MIN_VALUE;
    private long originNanos;

    Pacer(boolean realTime, LongSupplier nanoClock, Sleeper sleeper) {
        this.realTime = realTime;
        this.nanoClock = nanoClock;
        this.sleeper = sleeper;
    }

    public static Pacer realTime() {
        return new Pacer(
                true,
                System::nanoTime,
                nanos -> Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000)));
    }

    public static Pacer fast() {
        return new Pacer(false, System::nanoTime, nanos -> {});
    }

    public boolean isRealTime() {
        return realTime;
    }

    /** Returns once media time {@code mediaUs} is due; the first call sets the origin. */
    public void await(long mediaUs) throws InterruptedException {
        if (!realTime) {
            return;
        }
        long now = nanoClock.getAsLong();
        if (originMediaUs == Long.MIN_VALUE) {
            originMediaUs = mediaUs;
            originNanos = now;
            return;
        }
        long due = originNanos + (mediaUs - originMediaUs) * 1000L;
        if (due > now) {
            sleeper.sleepNanos(due - now);
        }
    }
}
