package io.avfuse.jobs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The small-world mask really prunes: masked weights change neither output nor gradient. */
class WattsStrogatzFusionHeadTest {
    private static final int B = 6;
    private static final int D = 16;
    private static final int N = FusionHead.MODALITIES * D;

    private NDManager manager;
    private WattsStrogatzFusionHead head;
    private NDList inputs;
    private NDArray mask;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        manager.getEngine().setRandomSeed(3);
        head = new WattsStrogatzFusionHead(D, 3);
        Shape x = new Shape(B, D);
        head.initialize(manager, DataType.FLOAT32, x, x, x, x, new Shape(B, 4));
        inputs = new NDList();
        for (int m = 0; m < 4; m++) {
            inputs.add(manager.randomNormal(new Shape(B, D)));
        }
        inputs.add(manager.ones(new Shape(B, 4)));
        mask = manager.create(head.connectivity(), new Shape(N, N));
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private NDArray forward() {
        return head.forward(new ParameterStore(manager, false), inputs, false).singletonOrThrow();
    }

    private NDArray weight(int layer) {
        return head.getParameters().get("sparseWeight" + layer).getArray();
    }

    @Test
    void theMaskIsSparseAndTheSameInEveryInstance() {
        float ones = mask.sum().getFloat();
        // 8 neighbours and the diagonal per row, 9 / 64 of the matrix.
        assertThat(ones).isEqualTo(N * (WattsStrogatzFusionHead.NEIGHBOURS + 1f));
        assertThat(new WattsStrogatzFusionHead(D, 3).connectivity())
                .containsExactly(head.connectivity());
    }

    @Test
    void maskedWeightsHaveExactlyNoEffect() {
        NDArray before = forward();
        NDArray pruned = mask.mul(-1).add(1);
        for (int l = 0; l < WattsStrogatzFusionHead.LAYERS; l++) {
            weight(l).addi(manager.randomNormal(new Shape(N, N)).mul(1000).mul(pruned));
        }
        assertThat(forward().toFloatArray()).containsExactly(before.toFloatArray());

        // The kept weights do matter: the test can fail.
        weight(0).addi(manager.randomNormal(new Shape(N, N)).mul(mask));
        assertThat(forward().sub(before).abs().max().getFloat()).isGreaterThan(1e-3f);
    }

    @Test
    void maskedWeightsGetNoGradient() {
        try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
            NDArray out =
                    head.forward(new ParameterStore(manager, false), inputs, true)
                            .singletonOrThrow();
            gc.backward(out.square().sum());
        }
        for (int l = 0; l < WattsStrogatzFusionHead.LAYERS; l++) {
            NDArray grad = weight(l).getGradient();
            NDArray pruned = mask.mul(-1).add(1);
            assertThat(grad.mul(pruned).abs().max().getFloat()).as("layer %d", l).isZero();
            assertThat(grad.mul(mask).abs().max().getFloat()).as("layer %d", l).isPositive();
        }
    }
}
