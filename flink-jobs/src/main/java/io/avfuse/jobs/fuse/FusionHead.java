package io.avfuse.jobs.fuse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.NormalInitializer;

/**
 * A fusion head: from one embedding per modality and a presence mask to class logits.
 *
 * <p>Input {@link NDList}: {@code video, audio, text, metadata} embeddings, each {@code (B, D)},
 * then the mask {@code (B, 4)} of 1 (present) / 0 (missing). Output: logits {@code (B, C)}. Every
 * head guarantees that a missing modality's embedding has no influence on the output: it is
 * multiplied by an exact 0 or excluded by an exact-0 attention weight, never treated as data.
 *
 * <p>{@code FusionHead head = FusionKind.GATED.create(embedding, classes);}
 */
public abstract class FusionHead extends AbstractBlock {
    public static final int MODALITIES = 4;

    protected final int embedding;
    protected final int classes;

    protected FusionHead(int embedding, int classes) {
        this.embedding = embedding;
        this.classes = classes;
    }

    /** Column {@code m} of the mask, shape {@code (B, 1)}, to broadcast over features. */
    protected static NDArray present(NDList inputs, int m) {
        return inputs.get(MODALITIES).get(":, " + m + ":" + (m + 1));
    }

    protected static NDArray mask(NDList inputs) {
        return inputs.get(MODALITIES);
    }

    /** The embedding of modality {@code m} with a missing one replaced by exact zeros. */
    protected static NDArray masked(NDList inputs, int m) {
        // where() instead of a product: 0 * Inf or 0 * NaN is NaN, a masked input must not leak.
        NDArray x = inputs.get(m);
        return NDArrays.where(present(inputs, m).gt(0).broadcast(x.getShape()), x, x.zerosLike());
    }

    protected Parameter vectorParameter(String name, Shape shape) {
        return addParameter(
                Parameter.builder()
                        .setName(name)
                        .setType(Parameter.Type.WEIGHT)
                        .optShape(shape)
                        .optInitializer(new NormalInitializer(0.02f))
                        .build());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), classes)};
    }

    @Override
    protected void initializeChildBlocks(
            ai.djl.ndarray.NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape single = new Shape(inputShapes[0].get(0), embedding);
        for (var child : getChildren().values()) {
            child.initialize(manager, dataType, childInputShape(child, single));
        }
    }

    /** The input shape of a child block; by default one modality's embedding. */
    protected Shape childInputShape(Block child, Shape oneModality) {
        return oneModality;
    }
}
