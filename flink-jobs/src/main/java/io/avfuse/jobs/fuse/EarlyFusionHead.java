package io.avfuse.jobs.fuse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Early (concatenation) fusion: the four embeddings side by side into an MLP. A missing modality is
 * replaced by a learned "missing" vector of its own, never by zeros posing as data.
 */
public final class EarlyFusionHead extends FusionHead {
    private final Parameter missing;
    private final SequentialBlock mlp;

    public EarlyFusionHead(int embedding, int classes) {
        super(embedding, classes);
        missing = vectorParameter("missing", new Shape(MODALITIES, embedding));
        mlp =
                addChildBlock(
                        "mlp",
                        new SequentialBlock()
                                .add(Linear.builder().setUnits(2L * embedding).build())
                                .add(Activation::relu)
                                .add(Linear.builder().setUnits(classes).build()));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray missingVectors = ps.getValue(missing, inputs.head().getDevice(), training);
        NDArray[] parts = new NDArray[MODALITIES];
        for (int m = 0; m < MODALITIES; m++) {
            NDArray stand = missingVectors.get(m).reshape(1, embedding);
            NDArray isPresent = present(inputs, m);
            parts[m] = masked(inputs, m).add(stand.mul(isPresent.mul(-1).add(1)));
        }
        return mlp.forward(ps, new NDList(NDArrays.concat(new NDList(parts), 1)), training);
    }

    @Override
    protected Shape childInputShape(Block child, Shape oneModality) {
        return new Shape(oneModality.get(0), (long) MODALITIES * embedding);
    }
}
