package io.avfuse.jobs.encode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;

/**
 * Per-modality encoders, each ending in a projection to the shared embedding size and an L2
 * normalisation, so that all modalities live on one unit sphere (the joint space of the embeddings
 * topic and of contrastive training).
 *
 * <p>{@code Block audio = Encoders.audio(128); // (B, 1, mels, frames) -> (B, 128)}
 */
public final class Encoders {
    private static final float EPS = 1e-12f;

    private Encoders() {}

    /** Log-mel {@code (B, 1, M, T)} to {@code (B, embedding)}: a small 2-D CNN. */
    public static SequentialBlock audio(int embedding) {
        return cnn(16, 32).add(projection(embedding));
    }

    /** Channels of {@link #frameFeatures()}'s output, after global pooling. */
    public static final int FRAME_FEATURES = 64;

    /**
     * One frame {@code (B, 3, H, W)}, values in [0, 1], to {@code (B, features)} before pooling.
     */
    public static SequentialBlock frameFeatures() {
        return cnn(16, 32, FRAME_FEATURES);
    }

    /**
     * Silero VAD speech probabilities {@code (B, chunks)} to {@code (B, embedding)}: the trainable
     * part of {@link AudioEncoderKind#SILERO_VAD}, a two-layer MLP over the probability sequence.
     */
    public static SequentialBlock speechActivity(int embedding) {
        return metadata(embedding);
    }

    /**
     * A frozen sentence embedding {@code (B, 384)} to {@code (B, embedding)}: the trainable part of
     * {@link TextEncoderKind#MINILM}.
     */
    public static SequentialBlock sentence(int embedding) {
        return projection(embedding);
    }

    /** Numeric features {@code (B, F)} to {@code (B, embedding)}: a two-layer MLP. */
    public static SequentialBlock metadata(int embedding) {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(2L * embedding).build())
                .add(Activation::relu)
                .add(projection(embedding));
    }

    /** Linear projection to the joint space, then L2 normalisation. */
    public static SequentialBlock projection(int embedding) {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(embedding).build())
                .add(l2Normalize());
    }

    public static Block l2Normalize() {
        return new LambdaBlock(list -> new NDList(normalize(list.singletonOrThrow())), "l2");
    }

    /**
     * The mean of {@code x (B, T, F)} over the steps where {@code mask (B, T)} is positive; 0 with
     * none. Masked steps are replaced, not multiplied by 0, so NaN or Inf there cannot leak.
     */
    static NDArray maskedMean(NDArray x, NDArray mask) {
        NDArray keep = mask.expandDims(2).gt(0).broadcast(x.getShape());
        return NDArrays.where(keep, x, x.zerosLike())
                .sum(new int[] {1})
                .div(mask.sum(new int[] {1}, true).maximum(1f));
    }

    static NDArray normalize(NDArray x) {
        return x.div(x.square().sum(new int[] {-1}, true).add(EPS).sqrt());
    }

    /** Stride-2 3x3 convolutions with batch norm and ReLU, then global average pooling. */
    private static SequentialBlock cnn(int... filters) {
        SequentialBlock block = new SequentialBlock();
        for (int f : filters) {
            block.add(
                            Conv2d.builder()
                                    .setKernelShape(new Shape(3, 3))
                                    .optStride(new Shape(2, 2))
                                    .optPadding(new Shape(1, 1))
                                    .setFilters(f)
                                    .build())
                    .add(BatchNorm.builder().build())
                    .add(Activation::relu);
        }
        return block.add(Pool.globalAvgPool2dBlock());
    }
}
