package io.avfuse.jobs.encode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;

/**
 * Scaled dot-product attention in which masked keys get exactly zero weight: their scores are
 * replaced (not offset) by a large negative number, whose exp() underflows to 0 in float32, so a
 * masked key's value has no influence at all, whatever it holds.
 */
public final class MaskedAttention {
    private static final float MASKED_SCORE = -1e9f;

    private MaskedAttention() {}

    /**
     * {@code softmax(q k^T / sqrt(d)) v} over {@code (B, T, D)} inputs; {@code keyPresent} is
     * {@code (B, T)}, positive where a key may be attended.
     */
    public static NDArray apply(NDArray q, NDArray k, NDArray v, NDArray keyPresent) {
        long d = q.getShape().get(2);
        NDArray scores = q.batchMatMul(k.transpose(0, 2, 1)).div((float) Math.sqrt(d));
        NDArray allowed = keyPresent.expandDims(1).gt(0).broadcast(scores.getShape());
        scores = NDArrays.where(allowed, scores, scores.zerosLike().add(MASKED_SCORE));
        return scores.softmax(-1).batchMatMul(v);
    }
}
