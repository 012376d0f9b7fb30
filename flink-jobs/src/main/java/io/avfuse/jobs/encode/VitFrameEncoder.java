package io.avfuse.jobs.encode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;

/**
 * A small vision transformer for one frame: {@code (N, 3, H, W)} to {@code (N,
 * Encoders.FRAME_FEATURES)}, a drop-in for the CNN before {@link VideoEncoder}'s temporal pooling.
 * Pixels in [0, 1] are centred on 0.5; non-overlapping patches are embedded by a Conv2d whose
 * kernel equals its stride, a learned CLS token is prepended, learned position embeddings added,
 * then {@link PreNormTransformerBlock}s and a final LayerNorm; the CLS token's output is the
 * frame's features.
 *
 * <p>{@code Block frame = new VitFrameEncoder(8, 2); // 8x8 patches, 2 blocks}
 */
public final class VitFrameEncoder extends AbstractBlock {
    public static final int DEFAULT_PATCH = 8;
    public static final int DEFAULT_DEPTH = 2;
    private static final int DIM = Encoders.FRAME_FEATURES;
    private static final int HEADS = 4;

    private final int patch;
    private final Conv2d patchEmbedding;
    private final Parameter cls;
    private final Parameter position;
    private final PreNormTransformerBlock[] blocks;
    private final LayerNorm norm;

    public VitFrameEncoder() {
        this(DEFAULT_PATCH, DEFAULT_DEPTH);
    }

    public VitFrameEncoder(int patch, int depth) {
        this.patch = patch;
        patchEmbedding =
                addChildBlock(
                        "patchEmbedding",
                        Conv2d.builder()
                                .setKernelShape(new Shape(patch, patch))
                                .optStride(new Shape(patch, patch))
                                .setFilters(DIM)
                                .build());
        cls = addParameter(tokenParameter("cls", new Shape(1, 1, DIM)));
        // Its shape follows the frame size, known at initialisation (prepare).
        position = addParameter(tokenParameter("position", null));
        blocks = new PreNormTransformerBlock[depth];
        for (int i = 0; i < depth; i++) {
            blocks[i] = addChildBlock("block" + i, new PreNormTransformerBlock(DIM, HEADS));
        }
        norm = addChildBlock("norm", PreNormTransformerBlock.tokenNorm());
    }

    private static Parameter tokenParameter(String name, Shape shape) {
        return Parameter.builder()
                .setName(name)
                .setType(Parameter.Type.WEIGHT)
                .optShape(shape)
                .optInitializer(new NormalInitializer(0.02f))
                .build();
    }

    /** Patches per frame of {@code height x width}; a remainder narrower than a patch is cut. */
    private long patches(long height, long width) {
        if (height < patch || width < patch) {
            throw new IllegalArgumentException(
                    "frames of "
                            + height
                            + "x"
                            + width
                            + " are smaller than one "
                            + patch
                            + "x"
                            + patch
                            + " ViT patch");
        }
        return (height / patch) * (width / patch);
    }

    @Override
    protected void prepare(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        position.setShape(new Shape(1 + patches(s.get(2), s.get(3)), DIM));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        long n = x.getShape().get(0);
        // Centred pixels: LayerNorm is blind to a patch's scale, so a uniformly brighter patch in
        // [0, 1] would look like a darker one; around 0 brightness becomes a direction.
        NDArray centred = x.sub(0.5f);
        NDArray grid =
                patchEmbedding
                        .forward(ps, new NDList(centred), training)
                        .singletonOrThrow(); // (N, D, h, w)
        NDArray tokens = grid.reshape(n, DIM, -1).transpose(0, 2, 1); // (N, P, D)
        NDArray clsToken =
                ps.getValue(cls, x.getDevice(), training).broadcast(new Shape(n, 1, DIM));
        NDArray t =
                NDArrays.concat(new NDList(clsToken, tokens), 1)
                        .add(ps.getValue(position, x.getDevice(), training).expandDims(0));
        for (PreNormTransformerBlock block : blocks) {
            t = block.forward(ps, new NDList(t), training).singletonOrThrow();
        }
        NDArray out = norm.forward(ps, new NDList(t), training).singletonOrThrow();
        return new NDList(out.get(":, 0, :"));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), DIM)};
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape s = inputShapes[0];
        patchEmbedding.initialize(manager, dataType, s);
        Shape tokens = new Shape(s.get(0), 1 + patches(s.get(2), s.get(3)), DIM);
        for (PreNormTransformerBlock block : blocks) {
            block.initialize(manager, dataType, tokens);
        }
        norm.initialize(manager, dataType, tokens);
    }
}
