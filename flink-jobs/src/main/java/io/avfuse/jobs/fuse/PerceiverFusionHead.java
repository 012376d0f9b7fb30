package io.avfuse.jobs.fuse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.avfuse.jobs.encode.MaskedAttention;
import io.avfuse.jobs.encode.PreNormTransformerBlock;

/**
 * Perceiver-style fusion: a small learned latent array ({@value #LATENTS} latents) cross-attends to
 * the four modality tokens (embedding plus a learned type embedding), then the latents attend to
 * each other in a {@link PreNormTransformerBlock}, are averaged and classified. A missing modality
 * is excluded as a key (exactly zero attention weight); with none present the cross-attention adds
 * nothing and only the latents remain.
 *
 * <p>{@code FusionHead head = FusionKind.PERCEIVER.create(embedding, classes);}
 */
public final class PerceiverFusionHead extends FusionHead {
    public static final int LATENTS = 4;

    private final Parameter latents;
    private final Parameter typeEmbedding;
    private final LayerNorm latentNorm;
    private final LayerNorm tokenNorm;
    private final Linear query;
    private final Linear key;
    private final Linear value;
    private final PreNormTransformerBlock selfAttention;
    private final Linear classifier;

    public PerceiverFusionHead(int embedding, int classes) {
        super(embedding, classes);
        latents = vectorParameter("latents", new Shape(1, LATENTS, embedding));
        typeEmbedding = vectorParameter("typeEmbedding", new Shape(MODALITIES, embedding));
        latentNorm = addChildBlock("latentNorm", LayerNorm.builder().axis(2).build());
        tokenNorm = addChildBlock("tokenNorm", LayerNorm.builder().axis(2).build());
        query = addChildBlock("query", Linear.builder().setUnits(embedding).build());
        key = addChildBlock("key", Linear.builder().setUnits(embedding).build());
        value = addChildBlock("value", Linear.builder().setUnits(embedding).build());
        selfAttention =
                addChildBlock(
                        "selfAttention",
                        new PreNormTransformerBlock(embedding, embedding % 4 == 0 ? 4 : 1));
        classifier = addChildBlock("classifier", Linear.builder().setUnits(classes).build());
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray mask = mask(inputs); // (B, 4)
        long b = mask.getShape().get(0);
        NDArray types = ps.getValue(typeEmbedding, mask.getDevice(), training);
        NDArray[] tokens = new NDArray[MODALITIES];
        for (int m = 0; m < MODALITIES; m++) {
            tokens[m] = masked(inputs, m).add(types.get(m).reshape(1, embedding)).expandDims(1);
        }
        NDArray t =
                tokenNorm
                        .forward(ps, new NDList(NDArrays.concat(new NDList(tokens), 1)), training)
                        .singletonOrThrow(); // (B, 4, D)
        NDArray z = ps.getValue(latents, mask.getDevice(), training); // (1, L, D)
        NDArray q =
                query.forward(ps, latentNorm.forward(ps, new NDList(z), training), training)
                        .singletonOrThrow()
                        .broadcast(new Shape(b, LATENTS, embedding));
        NDArray k = key.forward(ps, new NDList(t), training).singletonOrThrow();
        NDArray v = value.forward(ps, new NDList(t), training).singletonOrThrow();
        // With every key masked softmax would spread over the missing tokens: add nothing instead.
        NDArray anyPresent =
                mask.sum(new int[] {1}, true).gt(0).toType(v.getDataType(), false).expandDims(2);
        NDArray cross = MaskedAttention.apply(q, k, v, mask).mul(anyPresent);
        NDArray fused =
                selfAttention
                        .forward(ps, new NDList(cross.add(z)), training)
                        .singletonOrThrow(); // (B, L, D)
        return classifier.forward(ps, new NDList(fused.mean(new int[] {1})), training);
    }

    @Override
    protected Shape childInputShape(Block child, Shape oneModality) {
        long b = oneModality.get(0);
        if (child == classifier) {
            return oneModality;
        }
        if (child == latentNorm || child == query) {
            return new Shape(1, LATENTS, embedding);
        }
        if (child == selfAttention) {
            return new Shape(b, LATENTS, embedding);
        }
        return new Shape(b, MODALITIES, embedding);
    }
}
