package io.avfuse.jobs.encode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The K sampled frames of a window {@code (B, K, 3, H, W)} with their mask {@code (B, K)} (1 for a
 * real frame, 0 for padding when a window had fewer than K) to one embedding {@code (B, E)}: a
 * frame encoder ({@link FrameEncoderKind}: CNN or ViT) per frame, {@link TemporalPooling} over the
 * real frames only, projection, L2 normalisation.
 */
public final class VideoEncoder extends AbstractBlock {
    private final int embedding;
    private final TemporalPooling pooling;
    private final Block frames;
    private final SequentialBlock projection;
    private final Parameter position;
    private final Parameter query;

    public VideoEncoder(int embedding) {
        this(embedding, TemporalPooling.MEAN);
    }

    public VideoEncoder(int embedding, TemporalPooling pooling) {
        this(embedding, pooling, FrameEncoderKind.CNN);
    }

    public VideoEncoder(int embedding, TemporalPooling pooling, FrameEncoderKind frameEncoder) {
        this.embedding = embedding;
        this.pooling = pooling;
        Block perFrame =
                switch (frameEncoder) {
                    case CNN -> Encoders.frameFeatures();
                    case VIT -> new VitFrameEncoder();
                };
        this.frames = addChildBlock("frames", perFrame);
        this.projection = addChildBlock("projection", Encoders.projection(embedding));
        if (pooling == TemporalPooling.ATTENTION) {
            position =
                    addParameter(
                            Parameter.builder()
                                    .setName("position")
                                    .setType(Parameter.Type.WEIGHT)
                                    .build());
            query =
                    addParameter(
                            Parameter.builder()
                                    .setName("query")
                                    .setType(Parameter.Type.WEIGHT)
                                    .optShape(new Shape(1, 1, Encoders.FRAME_FEATURES))
                                    .build());
        } else {
            position = null;
            query = null;
        }
    }

    @Override
    protected void prepare(Shape[] inputShapes) {
        if (position != null) {
            position.setShape(new Shape(inputShapes[0].get(1), Encoders.FRAME_FEATURES));
        }
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray mask = inputs.get(1);
        Shape s = x.getShape();
        long b = s.get(0);
        long k = s.get(1);
        NDArray perFrame =
                frames.forward(
                                ps,
                                new NDList(x.reshape(b * k, s.get(2), s.get(3), s.get(4))),
                                training)
                        .singletonOrThrow();
        NDArray features = perFrame.reshape(b, k, -1);
        NDArray pooled;
        if (pooling == TemporalPooling.ATTENTION) {
            NDArray positioned =
                    features.add(ps.getValue(position, x.getDevice(), training).expandDims(0));
            NDArray q =
                    ps.getValue(query, x.getDevice(), training)
                            .broadcast(new Shape(b, 1, Encoders.FRAME_FEATURES));
            NDArray anyFrame =
                    mask.sum(new int[] {1}, true).gt(0).toType(features.getDataType(), false);
            // With no real frame every key is masked and softmax spreads evenly over padding:
            // zero instead, as the mean gives.
            pooled =
                    MaskedAttention.apply(q, positioned, positioned, mask)
                            .reshape(b, -1)
                            .mul(anyFrame);
        } else {
            pooled = Encoders.maskedMean(features, mask);
        }
        return projection.forward(ps, new NDList(pooled), training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), embedding)};
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape s = inputShapes[0];
        Shape one = new Shape(s.get(0) * s.get(1), s.get(2), s.get(3), s.get(4));
        frames.initialize(manager, dataType, one);
        Shape featureShape = frames.getOutputShapes(new Shape[] {one})[0];
        projection.initialize(manager, dataType, new Shape(s.get(0), featureShape.get(1)));
    }
}
