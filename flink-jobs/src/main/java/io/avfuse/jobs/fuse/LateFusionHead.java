package io.avfuse.jobs.fuse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Late fusion: one classifier per modality; their logits are averaged with learned weights
 * renormalised over the modalities present in each sample.
 */
public final class LateFusionHead extends FusionHead {
    private final Linear[] classifiers = new Linear[MODALITIES];
    private final Parameter weights;

    public LateFusionHead(int embedding, int classes) {
        super(embedding, classes);
        for (int m = 0; m < MODALITIES; m++) {
            classifiers[m] =
                    addChildBlock("classifier" + m, Linear.builder().setUnits(classes).build());
        }
        weights = vectorParameter("modalityWeights", new Shape(MODALITIES));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray mask = mask(inputs);
        NDArray w = ps.getValue(weights, mask.getDevice(), training).exp().reshape(1, MODALITIES);
        NDArray alpha = w.mul(mask);
        alpha = alpha.div(alpha.sum(new int[] {1}, true).add(1e-12f));
        NDArray fused = null;
        for (int m = 0; m < MODALITIES; m++) {
            NDArray logits =
                    classifiers[m]
                            .forward(ps, new NDList(masked(inputs, m)), training)
                            .singletonOrThrow();
            NDArray term = logits.mul(alpha.get(":, " + m + ":" + (m + 1)));
            fused = fused == null ? term : fused.add(term);
        }
        return new NDList(fused);
    }
}
