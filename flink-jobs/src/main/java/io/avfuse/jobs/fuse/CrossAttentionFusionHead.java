package io.avfuse.jobs.fuse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.avfuse.jobs.encode.MaskedAttention;

/**
 * Cross-modal attention: each modality is a token (its embedding plus a learned type embedding)
 * that attends to the other modalities' tokens; missing modalities are masked out as keys (their
 * attention weight is exactly 0) and as queries (left out of the pooled result).
 */
public final class CrossAttentionFusionHead extends FusionHead {
    private final Parameter typeEmbedding;
    private final Linear query;
    private final Linear key;
    private final Linear value;
    private final Linear classifier;

    public CrossAttentionFusionHead(int embedding, int classes) {
        super(embedding, classes);
        typeEmbedding = vectorParameter("typeEmbedding", new Shape(MODALITIES, embedding));
        query = addChildBlock("query", Linear.builder().setUnits(embedding).build());
        key = addChildBlock("key", Linear.builder().setUnits(embedding).build());
        value = addChildBlock("value", Linear.builder().setUnits(embedding).build());
        classifier = addChildBlock("classifier", Linear.builder().setUnits(classes).build());
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray mask = mask(inputs); // (B, 4)
        NDArray types = ps.getValue(typeEmbedding, mask.getDevice(), training);
        NDArray[] tokens = new NDArray[MODALITIES];
        for (int m = 0; m < MODALITIES; m++) {
            tokens[m] = masked(inputs, m).add(types.get(m).reshape(1, embedding)).expandDims(1);
        }
        NDArray t = NDArrays.concat(new NDList(tokens), 1); // (B, 4, D)
        NDArray q = query.forward(ps, new NDList(t), training).singletonOrThrow();
        NDArray k = key.forward(ps, new NDList(t), training).singletonOrThrow();
        NDArray v = value.forward(ps, new NDList(t), training).singletonOrThrow();
        NDArray attended = MaskedAttention.apply(q, k, v, mask).add(t); // (B, 4, D), residual
        NDArray queryMask = mask.expandDims(2); // (B, 4, 1)
        NDArray pooled =
                NDArrays.where(
                                queryMask.gt(0).broadcast(attended.getShape()),
                                attended,
                                attended.zerosLike())
                        .sum(new int[] {1})
                        .div(mask.sum(new int[] {1}, true).maximum(1f));
        return classifier.forward(ps, new NDList(pooled), training);
    }

    @Override
    protected Shape childInputShape(Block child, Shape oneModality) {
        if (child == classifier) {
            return oneModality;
        }
        return new Shape(oneModality.get(0), MODALITIES, embedding);
    }
}
