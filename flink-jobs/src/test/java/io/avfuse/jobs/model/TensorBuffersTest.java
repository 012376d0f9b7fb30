package io.avfuse.jobs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class TensorBuffersTest {
    @Test
    void aSlotRefilledWithFewerValuesShowsOnlyTheNewOnes() {
        TensorBuffers buffers = new TensorBuffers();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray first =
                    buffers.floats(manager, 0, new float[][] {{1, 2}, {3, 4}}, new Shape(2, 2));
            assertThat(first.toFloatArray()).containsExactly(1, 2, 3, 4);
            first.close();
            NDArray second = buffers.floats(manager, 0, new float[] {7, 8}, new Shape(1, 2));
            assertThat(second.getShape()).isEqualTo(new Shape(1, 2));
            assertThat(second.toFloatArray()).containsExactly(7, 8);
            NDArray ids = buffers.ints(manager, 1, new int[][] {{5}, {6}, {9}}, new Shape(3, 1));
            assertThat(ids.getDataType()).isEqualTo(DataType.INT32);
            assertThat(ids.toIntArray()).containsExactly(5, 6, 9);
        }
    }

    @Test
    void aShapeThatDoesNotMatchWhatWasPutFailsWithTheCounts() {
        TensorBuffers buffers = new TensorBuffers();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            buffers.floats(2, 6).put(new float[] {1, 2, 3});
            assertThatThrownBy(() -> buffers.tensor(manager, 2, new Shape(2, 3)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("3 values in slot 2")
                    .hasMessageContaining("needs 6");
        }
    }
}
