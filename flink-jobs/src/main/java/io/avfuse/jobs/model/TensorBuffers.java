package io.avfuse.jobs.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Direct buffers for a model call's float inputs, kept and refilled call after call. DJL copies a
 * Java array into a new direct buffer for every tensor it creates, but wraps a direct buffer in
 * native order without copying; for a batch of 32 windows that is 2.4 MB allocated, zeroed and
 * later cleaned per call (docs/benchmarks.md, P3). A tensor made here reads its slot's memory, so a
 * slot may be refilled only after the tensors of the previous call are closed: one instance per
 * caller that closes each call's tensors before the next (the inference operator), never for inputs
 * that outlive a call.
 *
 * <p>{@code NDArray x = buffers.floats(manager, 0, pixels, new Shape(b, k, 3, h, w));}
 */
final class TensorBuffers {
    private ByteBuffer[] slots = new ByteBuffer[0];

    /** {@code data} as a float tensor of {@code shape}, through slot {@code slot}. */
    NDArray floats(NDManager manager, int slot, float[] data, Shape shape) {
        FloatBuffer f = slot(slot, data.length);
        f.put(data);
        return tensor(manager, slot, data.length, shape);
    }

    /** Equal-length {@code rows} as a float tensor of {@code shape}, through slot {@code slot}. */
    NDArray floats(NDManager manager, int slot, float[][] rows, Shape shape) {
        int n = Math.toIntExact(shape.size());
        FloatBuffer f = slot(slot, n);
        for (float[] row : rows) {
            f.put(row);
        }
        if (f.position() != n) {
            throw new IllegalArgumentException(
                    f.position() + " floats in the rows, but shape " + shape + " needs " + n);
        }
        return tensor(manager, slot, n, shape);
    }

    private FloatBuffer slot(int slot, int floats) {
        if (slot >= slots.length) {
            slots = Arrays.copyOf(slots, slot + 1);
        }
        ByteBuffer b = slots[slot];
        if (b == null || b.capacity() < floats * 4) {
            b = ByteBuffer.allocateDirect(floats * 4).order(ByteOrder.nativeOrder());
            slots[slot] = b;
        }
        b.clear();
        return b.asFloatBuffer();
    }

    private NDArray tensor(NDManager manager, int slot, int floats, Shape shape) {
        ByteBuffer b = slots[slot];
        b.position(0).limit(floats * 4);
        return manager.create(b, shape, DataType.FLOAT32);
    }
}
