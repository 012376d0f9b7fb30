package io.avfuse.jobs.encode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.nn.transformer.ScaledDotProductAttentionBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A pre-LayerNorm transformer encoder block over {@code (B, T, D)}: {@code x + attention(LN(x))},
 * then {@code h + MLP(LN(h))}. DJL's {@code TransformerEncoderBlock} normalises with BatchNorm,
 * which mixes the tokens of different samples and depends on batch statistics; a ViT normalises
 * each token on its own.
 *
 * <p>{@code Block block = new PreNormTransformerBlock(64, 4); // (B, T, 64) -> (B, T, 64)}
 */
public final class PreNormTransformerBlock extends AbstractBlock {
    private final LayerNorm attentionNorm;
    private final ScaledDotProductAttentionBlock attention;
    private final LayerNorm mlpNorm;
    private final SequentialBlock mlp;

    public PreNormTransformerBlock(int dim, int heads) {
        attentionNorm = addChildBlock("attentionNorm", tokenNorm());
        attention =
                addChildBlock(
                        "attention",
                        ScaledDotProductAttentionBlock.builder()
                                .setEmbeddingSize(dim)
                                .setHeadCount(heads)
                                .optAttentionProbsDropoutProb(0f)
                                .build());
        mlpNorm = addChildBlock("mlpNorm", tokenNorm());
        mlp =
                addChildBlock(
                        "mlp",
                        new SequentialBlock()
                                .add(Linear.builder().setUnits(2L * dim).build())
                                .add(Activation::gelu)
                                .add(Linear.builder().setUnits(dim).build()));
    }

    /** LayerNorm over the feature axis of {@code (B, T, D)} only, not over the tokens. */
    static LayerNorm tokenNorm() {
        return LayerNorm.builder().axis(2).build();
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray normed = attentionNorm.forward(ps, new NDList(x), training).singletonOrThrow();
        NDArray h = x.add(attention.forward(ps, new NDList(normed), training).singletonOrThrow());
        NDArray normedH = mlpNorm.forward(ps, new NDList(h), training).singletonOrThrow();
        return new NDList(h.add(mlp.forward(ps, new NDList(normedH), training).singletonOrThrow()));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        for (var child : getChildren().values()) {
            child.initialize(manager, dataType, inputShapes[0]);
        }
    }
}
