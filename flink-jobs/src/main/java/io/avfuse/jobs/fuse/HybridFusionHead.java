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
 * Hybrid fusion: each modality is refined by its own layer; the refined embeddings feed both an
 * early-fusion MLP over their concatenation (a missing modality replaced by a learned "missing"
 * vector) and one classifier per modality whose logits are averaged over the present modalities
 * (late fusion). A learned mix {@code sigmoid(w)} weighs the early logits against the late ones.
 *
 * <p>{@code FusionHead head = FusionKind.HYBRID.create(embedding, classes);}
 */
public final class HybridFusionHead extends FusionHead {
    private final Linear[] refine = new Linear[MODALITIES];
    private final Linear[] perModality = new Linear[MODALITIES];
    private final Parameter missing;
    private final Parameter mix;
    private final SequentialBlock joint;

    public HybridFusionHead(int embedding, int classes) {
        super(embedding, classes);
        for (int m = 0; m < MODALITIES; m++) {
            refine[m] = addChildBlock("refine" + m, Linear.builder().setUnits(embedding).build());
            perModality[m] =
                    addChildBlock("classifier" + m, Linear.builder().setUnits(classes).build());
        }
        missing = vectorParameter("missing", new Shape(MODALITIES, embedding));
        mix = vectorParameter("mix", new Shape(1));
        joint =
                addChildBlock(
                        "joint",
                        new SequentialBlock()
                                .add(Linear.builder().setUnits(2L * embedding).build())
                                .add(Activation::relu)
                                .add(Linear.builder().setUnits(classes).build()));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray device = inputs.head();
        NDArray missingVectors = ps.getValue(missing, device.getDevice(), training);
        NDArray[] parts = new NDArray[MODALITIES];
        NDArray late = null;
        for (int m = 0; m < MODALITIES; m++) {
            NDArray refined =
                    Activation.relu(
                            refine[m]
                                    .forward(ps, new NDList(masked(inputs, m)), training)
                                    .singletonOrThrow());
            NDArray isPresent = present(inputs, m);
            NDArray stand =
                    missingVectors.get(m).reshape(1, embedding).broadcast(refined.getShape());
            parts[m] =
                    NDArrays.where(isPresent.gt(0).broadcast(refined.getShape()), refined, stand);
            // The refined zeros of a missing modality are finite, so an exact 0 weight removes
            // them.
            NDArray logits =
                    perModality[m].forward(ps, new NDList(refined), training).singletonOrThrow();
            NDArray term = logits.mul(isPresent);
            late = late == null ? term : late.add(term);
        }
        late = late.div(mask(inputs).sum(new int[] {1}, true).maximum(1f));
        NDArray early =
                joint.forward(ps, new NDList(NDArrays.concat(new NDList(parts), 1)), training)
                        .singletonOrThrow();
        NDArray alpha = Activation.sigmoid(ps.getValue(mix, device.getDevice(), training));
        return new NDList(early.mul(alpha).add(late.mul(alpha.mul(-1).add(1))));
    }

    @Override
    protected Shape childInputShape(Block child, Shape oneModality) {
        if (child == joint) {
            return new Shape(oneModality.get(0), (long) MODALITIES * embedding);
        }
        return oneModality;
    }
}
