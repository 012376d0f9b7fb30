package io.avfuse.jobs.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * What the trainer optimises: the {@link FusionModel} that is saved and served, plus the parts only
 * training needs (the contrastive alignment's temperature). Forward gives the model's outputs
 * followed by the contrastive loss over the real presence mask (input 6).
 */
final class TrainingBlock extends AbstractBlock {
    private final FusionModel model;
    private final ContrastiveAlignment alignment;

    TrainingBlock(FusionModel model) {
        this.model = addChildBlock("model", model);
        this.alignment = addChildBlock("alignment", new ContrastiveAlignment());
    }

    FusionModel model() {
        return model;
    }

    ContrastiveAlignment alignment() {
        return alignment;
    }

    /** Inputs: the model's six, then the presence before modality dropout. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
        NDList out = model.forward(ps, new NDList(in.subList(0, 6)), training);
        NDArray contrastive =
                alignment
                        .forward(
                                ps,
                                new NDList(
                                        out.get(2), out.get(3), out.get(4), out.get(5), in.get(6)),
                                training)
                        .singletonOrThrow();
        NDList all = new NDList(out);
        all.add(contrastive);
        return all;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] base = model.getOutputShapes(java.util.Arrays.copyOf(inputShapes, 6));
        Shape[] all = java.util.Arrays.copyOf(base, base.length + 1);
        all[base.length] = new Shape();
        return all;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        model.initialize(manager, dataType, java.util.Arrays.copyOf(shapes, 6));
        Shape e = new Shape(shapes[0].get(0), model.manifest().embedding());
        alignment.initialize(manager, dataType, e, e, e, e, shapes[5]);
    }
}
