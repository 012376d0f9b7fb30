package io.avfuse.jobs.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;

/**
 * CLIP's symmetric contrastive loss between the modality embeddings, so that the four encoders
 * share one space: for every pair of modalities, the windows where both are present form a batch of
 * positives on the diagonal and negatives elsewhere; cross-entropy over rows and over columns,
 * averaged over pairs. The temperature is learned (as CLIP's log logit scale, initialised to 1/0.07
 * and capped at 100).
 *
 * <p>{@code NDArray loss = alignment.loss(ps, embeddings, presence, true);}
 */
public final class ContrastiveAlignment extends AbstractBlock {
    private static final float MAX_LOG_SCALE = (float) Math.log(100);

    private final Parameter logScale;

    public ContrastiveAlignment() {
        logScale =
                addParameter(
                        Parameter.builder()
                                .setName("logScale")
                                .setType(Parameter.Type.WEIGHT)
                                .optShape(new Shape(1))
                                .optInitializer(new ConstantInitializer((float) Math.log(1 / 0.07)))
                                .build());
    }

    /**
     * Input: the four modality embeddings {@code (B, E)}, then the presence mask {@code (B, 4)}.
     */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
        NDArray presence = in.get(4);
        NDArray scale =
                ps.getValue(logScale, presence.getDevice(), training).minimum(MAX_LOG_SCALE).exp();
        float[] p = presence.toFloatArray();
        int b = (int) presence.getShape().get(0);
        NDArray total = null;
        int pairs = 0;
        for (int i = 0; i < 4; i++) {
            for (int j = i + 1; j < 4; j++) {
                long[] rows = bothPresent(p, b, i, j);
                if (rows.length < 2) {
                    continue;
                }
                NDManager m = presence.getManager();
                NDArray idx = m.create(rows);
                NDArray a = in.get(i).get(new NDIndex("{}", idx));
                NDArray c = in.get(j).get(new NDIndex("{}", idx));
                NDArray logits = a.matMul(c.transpose()).mul(scale);
                NDArray eye = m.eye(rows.length);
                NDArray rowLoss = logits.logSoftmax(1).mul(eye).sum(new int[] {1}).neg().mean();
                NDArray colLoss = logits.logSoftmax(0).mul(eye).sum(new int[] {0}).neg().mean();
                NDArray pair = rowLoss.add(colLoss).div(2);
                total = total == null ? pair : total.add(pair);
                pairs++;
            }
        }
        if (total == null) {
            // No pair to align: a zero that still depends on the scale, so its gradient exists.
            return new NDList(scale.mul(0).sum());
        }
        return new NDList(total.div(pairs));
    }

    private static long[] bothPresent(float[] presence, int b, int i, int j) {
        int n = 0;
        long[] rows = new long[b];
        for (int r = 0; r < b; r++) {
            if (presence[r * 4 + i] > 0 && presence[r * 4 + j] > 0) {
                rows[n++] = r;
            }
        }
        return java.util.Arrays.copyOf(rows, n);
    }

    /** The current temperature's inverse (CLIP's logit scale). */
    public float scale(ParameterStore ps, ai.djl.Device device) {
        return ps.getValue(logScale, device, false).minimum(MAX_LOG_SCALE).exp().getFloat();
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape()};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {}
}
