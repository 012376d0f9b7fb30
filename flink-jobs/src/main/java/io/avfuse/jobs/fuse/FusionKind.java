package io.avfuse.jobs.fuse;

import java.util.function.BiFunction;

/** The fusion heads a model manifest can name. */
public enum FusionKind {
    LATE(LateFusionHead::new),
    EARLY(EarlyFusionHead::new),
    GATED(GatedFusionHead::new),
    CROSS_ATTENTION(CrossAttentionFusionHead::new),
    HYBRID(HybridFusionHead::new),
    WATTS_STROGATZ(WattsStrogatzFusionHead::new),
    PERCEIVER(PerceiverFusionHead::new);

    private final BiFunction<Integer, Integer, FusionHead> factory;

    FusionKind(BiFunction<Integer, Integer, FusionHead> factory) {
        this.factory = factory;
    }

    public FusionHead create(int embedding, int classes) {
        return factory.apply(embedding, classes);
    }
}
