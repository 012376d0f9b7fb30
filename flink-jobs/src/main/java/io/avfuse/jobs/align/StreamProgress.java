package io.avfuse.jobs.align;

import io.avfuse.schemas.TextEvent;

/**
 * Keyed state of one stream across windows: the newest event time seen per modality (to tell alive
 * from dead), how far windows have been emitted, and what carries over into later windows.
 */
public class StreamProgress {
    /** Indexed by {@link Modality#ordinal()}; {@link Long#MIN_VALUE} when never seen. */
    public long[] lastSeenUs = initialLastSeen();

    /** End of the last emitted window; records before it are late. */
    public long emittedUpToUs = Long.MIN_VALUE;

    /** Processing time of the newest record, for the idle flush; MIN_VALUE before any. */
    public long lastArrivalMs = Long.MIN_VALUE;

    /**
     * The watermark when that record arrived, or at the last idle check: the idle flush is for a
     * watermark that stopped, not for one that moves without this stream.
     */
    public long watermarkAtArrivalMs = Long.MIN_VALUE;

    public TextEvent lastText;
    public TextEvent lastMetadata;

    public StreamProgress() {}

    static long[] initialLastSeen() {
        long[] seen = new long[Modality.values().length];
        java.util.Arrays.fill(seen, Long.MIN_VALUE);
        return seen;
    }

    long lastSeen(Modality m) {
        return lastSeenUs[m.ordinal()];
    }

    void seen(Modality m, long eventTimeUs) {
        lastSeenUs[m.ordinal()] = Math.max(lastSeenUs[m.ordinal()], eventTimeUs);
    }

    long newestSeen() {
        long max = Long.MIN_VALUE;
        for (long t : lastSeenUs) {
            max = Math.max(max, t);
        }
        return max;
    }
}
