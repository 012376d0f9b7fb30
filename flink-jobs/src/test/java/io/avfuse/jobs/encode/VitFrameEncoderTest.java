package io.avfuse.jobs.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class VitFrameEncoderTest {
    private static final int E = 32;
    private NDManager manager;

    @BeforeEach
    void engine() {
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        manager.getEngine().setRandomSeed(13);
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void oneFrameBecomesFrameFeaturesFromOneTokenPerPatch() {
        VitFrameEncoder vit = new VitFrameEncoder();
        vit.initialize(manager, DataType.FLOAT32, new Shape(5, 3, 48, 64));
        NDArray out =
                vit.forward(
                                new ParameterStore(manager, false),
                                new NDList(manager.randomUniform(0, 1, new Shape(5, 3, 48, 64))),
                                false)
                        .singletonOrThrow();
        assertThat(out.getShape()).isEqualTo(new Shape(5, Encoders.FRAME_FEATURES));
        assertThat(out.isNaN().any().getBoolean()).isFalse();
        // 6 x 8 patches of 8x8, plus the CLS token.
        assertThat(vit.getParameters().get("position").getArray().getShape())
                .isEqualTo(new Shape(1 + 6 * 8, Encoders.FRAME_FEATURES));
    }

    @Test
    void framesSmallerThanAPatchAreRejected() {
        VitFrameEncoder vit = new VitFrameEncoder(8, 1);
        assertThatThrownBy(() -> vit.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 4, 16)))
                .hasMessageContaining("smaller than one 8x8 ViT patch");
    }

    @ParameterizedTest
    @EnumSource(TemporalPooling.class)
    void theVideoEncoderWithVitIsNormalisedAndIgnoresPaddedFrames(TemporalPooling pooling) {
        VideoEncoder video = new VideoEncoder(E, pooling, FrameEncoderKind.VIT);
        video.initialize(manager, DataType.FLOAT32, new Shape(2, 4, 3, 16, 16), new Shape(2, 4));
        NDArray frames = manager.randomUniform(0, 1, new Shape(2, 4, 3, 16, 16));
        NDArray mask = manager.create(new float[][] {{1, 1, 0, 0}, {1, 1, 1, 1}});
        ParameterStore ps = new ParameterStore(manager, false);
        NDArray before = video.forward(ps, new NDList(frames, mask), false).singletonOrThrow();
        assertThat(before.getShape()).isEqualTo(new Shape(2, E));
        for (float n : before.square().sum(new int[] {1}).sqrt().toFloatArray()) {
            assertThat(n).isCloseTo(1f, Offset.offset(1e-5f));
        }
        NDArray changed = frames.duplicate();
        changed.set(new NDIndex("0, 2:4"), 0.5f);
        NDArray after = video.forward(ps, new NDList(changed, mask), false).singletonOrThrow();
        assertThat(after.get(0).toFloatArray()).containsExactly(before.get(0).toFloatArray());
        // The same change in a real frame does move the embedding: the test can fail.
        changed.set(new NDIndex("0, 0"), 0.5f);
        NDArray moved = video.forward(ps, new NDList(changed, mask), false).singletonOrThrow();
        assertThat(moved.get(0).sub(before.get(0)).abs().max().getFloat()).isGreaterThan(1e-4f);
    }

    /**
     * One bright 8x8 quadrant in a noisy dark 16x16 frame; the label is whether it is in the top
     * half. The bright patch looks alike wherever it sits, so only the position embeddings and the
     * CLS token's attention can tell the classes apart. (Without centring the pixels this fails:
     * LayerNorm makes a uniformly bright patch look like a dark one.)
     */
    @Test
    void theVitLearnsWhereTheBrightQuadrantIs() throws Exception {
        Random rnd = new Random(21);
        double accuracy =
                EncoderTraining.heldOutAccuracy(
                        new VitFrameEncoder(8, 1),
                        new Shape(32, 3, 16, 16),
                        (m, labels) -> frames(m, labels, rnd, true),
                        60,
                        0.003f);
        System.out.printf("ViT bright quadrant top/bottom: held-out accuracy %.3f%n", accuracy);
        assertThat(accuracy).isGreaterThanOrEqualTo(0.9);
    }

    /** What a patch holds: horizontal or vertical stripes of random phase, in noise. */
    @Test
    void theVitLearnsStripeOrientation() throws Exception {
        Random rnd = new Random(22);
        double accuracy =
                EncoderTraining.heldOutAccuracy(
                        new VitFrameEncoder(8, 1),
                        new Shape(32, 3, 16, 16),
                        (m, labels) -> frames(m, labels, rnd, false),
                        30,
                        0.003f);
        System.out.printf("ViT stripes horizontal/vertical: held-out accuracy %.3f%n", accuracy);
        assertThat(accuracy).isGreaterThanOrEqualTo(0.9);
    }

    /** Label 1: bright quadrant in the top half (quadrant) or horizontal stripes (otherwise). */
    private static NDArray frames(NDManager m, float[] labels, Random rnd, boolean quadrant) {
        int b = labels.length;
        float[] pixels = new float[b * 3 * 16 * 16];
        for (int i = 0; i < b; i++) {
            int q = rnd.nextInt(4);
            int phase = rnd.nextInt(2);
            labels[i] = quadrant ? (q < 2 ? 1 : 0) : rnd.nextInt(2);
            int top = q < 2 ? 0 : 8;
            int left = q % 2 == 0 ? 0 : 8;
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 16; y++) {
                    for (int x = 0; x < 16; x++) {
                        float v;
                        if (quadrant) {
                            boolean bright = y >= top && y < top + 8 && x >= left && x < left + 8;
                            v = bright ? 0.8f : 0.2f;
                        } else {
                            int along = labels[i] == 1 ? y : x;
                            v = (along / 2 + phase) % 2 == 0 ? 0.8f : 0.2f;
                        }
                        pixels[((i * 3 + c) * 16 + y) * 16 + x] =
                                v + 0.1f * (float) rnd.nextGaussian();
                    }
                }
            }
        }
        return m.create(pixels, new Shape(b, 3, 16, 16));
    }
}
