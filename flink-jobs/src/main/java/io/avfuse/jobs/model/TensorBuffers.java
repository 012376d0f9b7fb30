package io.avfuse.jobs.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Arrays;

/**
 * Direct, native-order buffers that a model call's inputs are written into, one slot per input.
 * DJL's PyTorch engine wraps such a buffer as a tensor without copying ({@code
 * PtNDManager.create(Buffer, ...)} hands a direct {@link ByteBuffer} to libtorch's {@code
 * from_blob}), whereas a tensor made from a Java array costs a new direct buffer (allocated,
 * zeroed, freed by a later GC) plus a copy, and {@code create(float[][])} flattens into a third
 * array first (docs/benchmarks.md, P3).
 *
 * <p>A slot's buffer is kept and refilled call after call: a tensor made here reads the slot's
 * memory, so refill a slot only after every tensor of the previous call (and every view of one) is
 * closed, as {@link FusionInference} does by closing each call's manager. Use a new instance per
 * call where inputs outlive the call. Not thread-safe.
 *
 * <p>{@code buffers.floats(0, n).put(pixels); NDArray x = buffers.tensor(manager, 0, shape);}
 */
public final class TensorBuffers {
    private ByteBuffer[] bytes = new ByteBuffer[0];
    private Buffer[] views = new Buffer[0];
    private DataType[] types = new DataType[0];

    /** Slot {@code slot}, emptied, with room for {@code count} floats: put the input in order. */
    public FloatBuffer floats(int slot, int count) {
        FloatBuffer view = room(slot, count, DataType.FLOAT32).asFloatBuffer();
        return keep(slot, view, DataType.FLOAT32);
    }

    /** Slot {@code slot}, emptied, with room for {@code count} ints: put the input in order. */
    public IntBuffer ints(int slot, int count) {
        IntBuffer view = room(slot, count, DataType.INT32).asIntBuffer();
        return keep(slot, view, DataType.INT32);
    }

    /**
     * What was put into slot {@code slot} since {@link #floats} or {@link #ints}, as a tensor of
     * {@code shape} on {@code manager}, sharing the slot's memory.
     */
    public NDArray tensor(NDManager manager, int slot, Shape shape) {
        Buffer view = views[slot];
        long n = shape.size();
        if (view.position() != n) {
            throw new IllegalArgumentException(
                    view.position()
                            + " values in slot "
                            + slot
                            + ", but shape "
                            + shape
                            + " needs "
                            + n);
        }
        DataType type = types[slot];
        ByteBuffer b = bytes[slot];
        b.position(0).limit(Math.toIntExact(n * type.getNumOfBytes()));
        return manager.create(b, shape, type);
    }

    /** {@code data} as a float tensor of {@code shape}, through slot {@code slot}. */
    public NDArray floats(NDManager manager, int slot, float[] data, Shape shape) {
        floats(slot, data.length).put(data);
        return tensor(manager, slot, shape);
    }

    /** {@code data} as an int tensor of {@code shape}, through slot {@code slot}. */
    public NDArray ints(NDManager manager, int slot, int[] data, Shape shape) {
        ints(slot, data.length).put(data);
        return tensor(manager, slot, shape);
    }

    /** Equal-length {@code rows} as a float tensor of {@code shape}, through slot {@code slot}. */
    public NDArray floats(NDManager manager, int slot, float[][] rows, Shape shape) {
        FloatBuffer f = floats(slot, Math.toIntExact(shape.size()));
        for (float[] row : rows) {
            f.put(row);
        }
        return tensor(manager, slot, shape);
    }

    /** Equal-length {@code rows} as an int tensor of {@code shape}, through slot {@code slot}. */
    public NDArray ints(NDManager manager, int slot, int[][] rows, Shape shape) {
        IntBuffer f = ints(slot, Math.toIntExact(shape.size()));
        for (int[] row : rows) {
            f.put(row);
        }
        return tensor(manager, slot, shape);
    }

    private ByteBuffer room(int slot, int count, DataType type) {
        if (slot >= bytes.length) {
            bytes = Arrays.copyOf(bytes, slot + 1);
            views = Arrays.copyOf(views, slot + 1);
            types = Arrays.copyOf(types, slot + 1);
        }
        int size = count * type.getNumOfBytes();
        ByteBuffer b = bytes[slot];
        if (b == null || b.capacity() < size) {
            b = ByteBuffer.allocateDirect(size).order(ByteOrder.nativeOrder());
            bytes[slot] = b;
        }
        return b.clear().limit(size);
    }

    private <B extends Buffer> B keep(int slot, B view, DataType type) {
        views[slot] = view;
        types[slot] = type;
        return view;
    }
}
