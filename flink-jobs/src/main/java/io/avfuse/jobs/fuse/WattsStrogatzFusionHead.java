package io.avfuse.jobs.fuse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;

/**
 * Sparse fusion over the concatenated modality features ({@code 4 x D} of them, a missing modality
 * replaced by a learned "missing" vector as in early fusion): two layers whose {@code 4D x 4D}
 * weights are multiplied by a fixed Watts-Strogatz small-world mask ({@link WattsStrogatzGraph},
 * {@value #NEIGHBOURS} neighbours, rewiring probability {@value #REWIRING}, plus self-loops), so
 * most features talk to their lattice neighbours within a modality and a few rewired edges cross
 * modalities. A masked weight has exactly zero effect, on the output and on its own gradient. The
 * mask depends only on the sizes and a fixed seed: it is rebuilt identically after loading.
 *
 * <p>{@code FusionHead head = FusionKind.WATTS_STROGATZ.create(embedding, classes);}
 */
public final class WattsStrogatzFusionHead extends FusionHead {
    public static final int NEIGHBOURS = 8;
    public static final double REWIRING = 0.2;
    public static final long SEED = 42;
    static final int LAYERS = 2;

    private final int features;
    private final float[] connectivity;
    private final Parameter missing;
    private final Parameter[] weights = new Parameter[LAYERS];
    private final Parameter[] biases = new Parameter[LAYERS];
    private final Linear classifier;

    public WattsStrogatzFusionHead(int embedding, int classes) {
        super(embedding, classes);
        features = MODALITIES * embedding;
        connectivity =
                WattsStrogatzGraph.generate(
                                features, Math.min(NEIGHBOURS, features - 2), REWIRING, SEED)
                        .maskWithSelfLoops();
        missing = vectorParameter("missing", new Shape(MODALITIES, embedding));
        for (int l = 0; l < LAYERS; l++) {
            // He-style scale for the ~NEIGHBOURS + 1 inputs a row really has, not for 4D.
            weights[l] =
                    addParameter(
                            Parameter.builder()
                                    .setName("sparseWeight" + l)
                                    .setType(Parameter.Type.WEIGHT)
                                    .optShape(new Shape(features, features))
                                    .optInitializer(
                                            new NormalInitializer(
                                                    (float) Math.sqrt(2.0 / (NEIGHBOURS + 1))))
                                    .build());
            biases[l] =
                    addParameter(
                            Parameter.builder()
                                    .setName("sparseBias" + l)
                                    .setType(Parameter.Type.BIAS)
                                    .optShape(new Shape(features))
                                    .build());
        }
        classifier = addChildBlock("classifier", Linear.builder().setUnits(classes).build());
    }

    /** The fixed weight mask, row-major {@code 4D x 4D}: 1 where output row hears input column. */
    public float[] connectivity() {
        return connectivity.clone();
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray first = inputs.head();
        NDArray missingVectors = ps.getValue(missing, first.getDevice(), training);
        NDArray[] parts = new NDArray[MODALITIES];
        for (int m = 0; m < MODALITIES; m++) {
            NDArray stand = missingVectors.get(m).reshape(1, embedding);
            parts[m] = masked(inputs, m).add(stand.mul(present(inputs, m).mul(-1).add(1)));
        }
        NDArray x = NDArrays.concat(new NDList(parts), 1); // (B, 4D)
        NDArray mask = first.getManager().create(connectivity, new Shape(features, features));
        for (int l = 0; l < LAYERS; l++) {
            // Multiplying the weight, not the output, is what keeps a pruned edge's weight from
            // contributing anywhere and gives it a zero gradient.
            NDArray w = ps.getValue(weights[l], first.getDevice(), training).mul(mask);
            NDArray b = ps.getValue(biases[l], first.getDevice(), training);
            NDArray h = Activation.relu(x.matMul(w.transpose()).add(b));
            x = l == 0 ? h : x.add(h); // residual after the first layer
        }
        return classifier.forward(ps, new NDList(x), training);
    }

    @Override
    protected Shape childInputShape(Block child, Shape oneModality) {
        return new Shape(oneModality.get(0), features);
    }
}
