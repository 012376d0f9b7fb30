package io.avfuse.jobs.fuse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Gated fusion: each present modality contributes {@code sigmoid(G x) * tanh(T x)}; the sum over
 * present modalities is divided by their count and classified. The gates learn how much to trust
 * each modality per sample.
 */
public final class GatedFusionHead extends FusionHead {
    private final Linear[] transforms = new Linear[MODALITIES];
    private final Linear[] gates = new Linear[MODALITIES];
    private final Linear classifier;

    public GatedFusionHead(int embedding, int classes) {
        super(embedding, classes);
        for (int m = 0; m < MODALITIES; m++) {
            transforms[m] =
                    addChildBlock("transform" + m, Linear.builder().setUnits(embedding).build());
            gates[m] = addChildBlock("gate" + m, Linear.builder().setUnits(embedding).build());
        }
        classifier = addChildBlock("classifier", Linear.builder().setUnits(classes).build());
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray sum = null;
        for (int m = 0; m < MODALITIES; m++) {
            NDArray x = masked(inputs, m);
            NDArray h =
                    transforms[m].forward(ps, new NDList(x), training).singletonOrThrow().tanh();
            NDArray g =
                    Activation.sigmoid(
                            gates[m].forward(ps, new NDList(x), training).singletonOrThrow());
            NDArray term = h.mul(g).mul(present(inputs, m));
            sum = sum == null ? term : sum.add(term);
        }
        NDArray count = mask(inputs).sum(new int[] {1}, true).maximum(1f);
        return classifier.forward(ps, new NDList(sum.div(count)), training);
    }
}
