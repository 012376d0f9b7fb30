package io.avfuse.jobs.encode;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;

/**
 * The raw-waveform audio encoder: mono samples {@code (B, 1, S)} to {@code (B, embedding)}. A first
 * Conv1d with a 25 ms kernel and a 10 ms stride acts as a learned filter bank (the front end of
 * wav2letter and SincNet, where log-mel uses a fixed one), then three stride-2 Conv1d layers, each
 * with batch norm and ReLU, global average pooling over time, projection and L2 normalisation like
 * the other encoders.
 *
 * <p>{@code Block audio = WaveformEncoder.create(128, 16_000); // (B, 1, 16000) -> (B, 128)}
 */
public final class WaveformEncoder {
    /** Filters of the front end and of the three layers after it. */
    private static final int[] FILTERS = {32, 64, 64, 64};

    private WaveformEncoder() {}

    /**
     * @param sampleRate the rate the samples come at: the front end's kernel and stride are fixed
     *     in time (25 ms, 10 ms), so in samples they follow the rate
     */
    public static SequentialBlock create(int embedding, int sampleRate) {
        long kernel = Math.max(1, sampleRate / 40);
        long stride = Math.max(1, sampleRate / 100);
        SequentialBlock block = new SequentialBlock();
        block.add(
                        Conv1d.builder()
                                .setKernelShape(new Shape(kernel))
                                .optStride(new Shape(stride))
                                .setFilters(FILTERS[0])
                                .build())
                .add(BatchNorm.builder().build())
                .add(Activation::relu);
        for (int i = 1; i < FILTERS.length; i++) {
            block.add(
                            Conv1d.builder()
                                    .setKernelShape(new Shape(3))
                                    .optStride(new Shape(2))
                                    .optPadding(new Shape(1))
                                    .setFilters(FILTERS[i])
                                    .build())
                    .add(BatchNorm.builder().build())
                    .add(Activation::relu);
        }
        return block.add(Pool.globalAvgPool1dBlock()).add(Encoders.projection(embedding));
    }
}
