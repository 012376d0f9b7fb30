package io.avfuse.jobs.encode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.nn.transformer.IdEmbedding;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;

/**
 * Token ids {@code (B, L)} (0 = padding) to one embedding {@code (B, E)}: word and learned position
 * embeddings, one self-attention layer with padding masked out exactly (residual, layer norm,
 * feed-forward), mean over the real tokens, projection, L2 normalisation.
 */
public final class TextEncoder extends AbstractBlock {
    private final int embedding;
    private final IdEmbedding words;
    private final Parameter positions;
    private final Linear query;
    private final Linear key;
    private final Linear value;
    private final LayerNorm norm1;
    private final SequentialBlock feedForward;
    private final LayerNorm norm2;
    private final SequentialBlock projection;

    public TextEncoder(int vocabulary, int maxLength, int embedding) {
        this.embedding = embedding;
        words =
                addChildBlock(
                        "words",
                        new IdEmbedding.Builder()
                                .setDictionarySize(vocabulary)
                                .setEmbeddingSize(embedding)
                                .build());
        positions =
                addParameter(
                        Parameter.builder()
                                .setName("positions")
                                .setType(Parameter.Type.WEIGHT)
                                .optShape(new Shape(maxLength, embedding))
                                .optInitializer(new NormalInitializer(0.02f))
                                .build());
        query = addChildBlock("query", Linear.builder().setUnits(embedding).build());
        key = addChildBlock("key", Linear.builder().setUnits(embedding).build());
        value = addChildBlock("value", Linear.builder().setUnits(embedding).build());
        norm1 = addChildBlock("norm1", LayerNorm.builder().axis(2).build());
        feedForward =
                addChildBlock(
                        "feedForward",
                        new SequentialBlock()
                                .add(Linear.builder().setUnits(2L * embedding).build())
                                .add(Activation::relu)
                                .add(Linear.builder().setUnits(embedding).build()));
        norm2 = addChildBlock("norm2", LayerNorm.builder().axis(2).build());
        projection = addChildBlock("projection", Encoders.projection(embedding));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray ids = inputs.head(); // (B, L) int
        long length = ids.getShape().get(1);
        NDArray real = ids.gt(0).toType(DataType.FLOAT32, false); // (B, L)
        NDArray x = words.forward(ps, new NDList(ids), training).singletonOrThrow();
        NDArray pos = ps.getValue(positions, ids.getDevice(), training).get(":" + length);
        x = x.add(pos.expandDims(0));
        NDArray q = query.forward(ps, new NDList(x), training).singletonOrThrow();
        NDArray k = key.forward(ps, new NDList(x), training).singletonOrThrow();
        NDArray v = value.forward(ps, new NDList(x), training).singletonOrThrow();
        NDArray h =
                norm1.forward(ps, new NDList(x.add(MaskedAttention.apply(q, k, v, real))), training)
                        .singletonOrThrow();
        NDArray ff = feedForward.forward(ps, new NDList(h), training).singletonOrThrow();
        NDArray out = norm2.forward(ps, new NDList(h.add(ff)), training).singletonOrThrow();
        NDArray pooled = Encoders.maskedMean(out, real);
        return projection.forward(ps, new NDList(pooled), training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), embedding)};
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape ids = inputShapes[0];
        Shape tokens = new Shape(ids.get(0), ids.get(1), embedding);
        words.initialize(manager, dataType, ids);
        for (var child : new ai.djl.nn.Block[] {query, key, value, norm1, feedForward, norm2}) {
            child.initialize(manager, dataType, tokens);
        }
        projection.initialize(manager, dataType, new Shape(ids.get(0), embedding));
    }
}
