package io.avfuse.jobs.encode;

/** How a sampled frame becomes features before temporal pooling; named in the model manifest. */
public enum FrameEncoderKind {
    /** Stride-2 convolutions and global pooling ({@link Encoders#frameFeatures()}). */
    CNN,
    /**
     * A small vision transformer ({@link VitFrameEncoder}): patches, a CLS token, position
     * embeddings and pre-LayerNorm self-attention blocks.
     */
    VIT
}
