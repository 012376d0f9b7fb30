package io.avfuse.jobs.encode;

/** How the video encoder turns its K per-frame features into one window feature. */
public enum TemporalPooling {
    /** The mean over the real frames: order-blind, the cheapest. */
    MEAN,
    /**
     * A learned query attends over the frames with learned position embeddings added, padding
     * masked out: when in the window something happens can matter (a flash in slot 2, not 4).
     */
    ATTENTION
}
