package io.avfuse.jobs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every head, on the real PyTorch engine: a masked modality has no influence on the logits. */
class FusionHeadTest {
    private static final int B = 4;
    private static final int D = 16;
    private static final int C = 5;

    private NDManager manager;

    @BeforeEach
    void engine() {
        assertThat(System.getenv("DJL_OFFLINE")).as("tests run DJL offline").isEqualTo("true");
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        manager.getEngine().setRandomSeed(7);
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private FusionHead head(FusionKind kind) {
        FusionHead head = kind.create(D, C);
        Shape x = new Shape(B, D);
        head.initialize(manager, DataType.FLOAT32, x, x, x, x, new Shape(B, FusionHead.MODALITIES));
        return head;
    }

    private NDArray forward(FusionHead head, NDArray[] x, NDArray mask) {
        NDList in = new NDList(x[0], x[1], x[2], x[3], mask);
        return head.forward(new ParameterStore(manager, false), in, false).singletonOrThrow();
    }

    private NDArray[] embeddings() {
        NDArray[] x = new NDArray[FusionHead.MODALITIES];
        for (int m = 0; m < x.length; m++) {
            x[m] = manager.randomNormal(new Shape(B, D));
        }
        return x;
    }

    /** Rows: 0 all present, 1 missing m, 2 missing m and the next one, 3 only m present. */
    private NDArray mask(int m) {
        float[][] rows = new float[B][FusionHead.MODALITIES];
        for (int r = 0; r < B; r++) {
            java.util.Arrays.fill(rows[r], 1f);
        }
        rows[1][m] = 0;
        rows[2][m] = 0;
        rows[2][(m + 1) % 4] = 0;
        java.util.Arrays.fill(rows[3], 0f);
        rows[3][m] = 1;
        return manager.create(rows);
    }

    @ParameterizedTest
    @EnumSource(FusionKind.class)
    void aMissingModalityHasNoInfluence(FusionKind kind) {
        FusionHead head = head(kind);
        for (int m = 0; m < FusionHead.MODALITIES; m++) {
            NDArray[] x = embeddings();
            NDArray mask = mask(m);
            NDArray before = forward(head, x, mask);
            assertThat(before.isNaN().any().getBoolean()).isFalse();
            assertThat(before.getShape()).isEqualTo(new Shape(B, C));

            // Garbage, NaN and Inf in modality m: rows 1 and 2 (m missing) must not move.
            NDArray[] perturbed = x.clone();
            perturbed[m] = x[m].add(manager.randomNormal(new Shape(B, D)).mul(100));
            perturbed[m].set(new ai.djl.ndarray.index.NDIndex("1:3, 0"), Float.NaN);
            perturbed[m].set(new ai.djl.ndarray.index.NDIndex("1:3, 1"), Float.POSITIVE_INFINITY);
            NDArray after = forward(head, perturbed, mask);
            for (int row = 1; row <= 2; row++) {
                assertThat(after.get(row).toFloatArray())
                        .as("%s, modality %d missing, row %d", kind, m, row)
                        .containsExactly(before.get(row).toFloatArray());
            }
            // ...while the rows where m is present do move: the test can fail.
            assertThat(maxAbsDiff(after.get(0), before.get(0)))
                    .as("%s, modality %d present, row 0", kind, m)
                    .isGreaterThan(1e-4f);
        }
    }

    @ParameterizedTest
    @EnumSource(FusionKind.class)
    void noModalityAtAllStillGivesFiniteLogits(FusionKind kind) {
        FusionHead head = head(kind);
        NDArray none = manager.zeros(new Shape(B, FusionHead.MODALITIES));
        NDArray out = forward(head, embeddings(), none);
        assertThat(out.isNaN().any().getBoolean()).isFalse();
        assertThat(out.isInfinite().any().getBoolean()).isFalse();
    }

    private static float maxAbsDiff(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getFloat();
    }
}
