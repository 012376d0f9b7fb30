package io.avfuse.jobs.encode;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;

/**
 * Metadata features to a fixed-order vector, as named in the model manifest. A feature the window
 * lacks is 0 and flagged in the second half of the vector, so the model can tell "0" from "not
 * sent"; values are clipped to ±{@code clip} so that one absurd reading cannot dominate.
 *
 * <p>{@code float[] v = new MetadataPreprocessor(List.of("speed", "count"), 1e4f).apply(features);}
 */
public final class MetadataPreprocessor {
    private final List<String> names;
    private final float clip;

    public MetadataPreprocessor(List<String> names, float clip) {
        this.names = List.copyOf(names);
        this.clip = clip;
    }

    /**
     * Length of the vector: one value and one "missing" flag per feature; at least 2, so that a
     * model without metadata features still has a well-formed (and always masked) input.
     */
    public int size() {
        return Math.max(2, 2 * names.size());
    }

    /** The vector as a new array; {@link #writeInto} writes the same values in place. */
    public float[] apply(Map<String, Double> features) {
        float[] v = new float[size()];
        writeInto(features, FloatBuffer.wrap(v));
        return v;
    }

    /**
     * Writes the {@link #size()} values at {@code out}'s position, advancing it; every value is
     * written, so {@code out} may hold an earlier window's.
     */
    public void writeInto(Map<String, Double> features, FloatBuffer out) {
        int base = out.position();
        int n = names.size();
        for (int i = 0; i < size(); i++) {
            out.put(base + i, 0f);
        }
        for (int i = 0; i < n; i++) {
            Double x = features == null ? null : features.get(names.get(i));
            if (x == null || !Double.isFinite(x)) {
                out.put(base + n + i, 1f);
            } else {
                out.put(base + i, (float) Math.max(-clip, Math.min(clip, x)));
            }
        }
        out.position(base + size());
    }
}
