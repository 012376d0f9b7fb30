package io.avfuse.jobs.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The model directories and reference outputs that {@code tools/torchscript/export_fixtures.py}
 * exports with Debian's python3-torch into {@code target/exported-models} (Maven runs it in {@code
 * generate-test-resources}).
 *
 * <p>{@code Path dir = ExportedFixtures.dir("onnx-parts");}
 */
final class ExportedFixtures {
    static final List<String> DIRECTORIES =
            List.of("torchscript-whole", "torchscript-parts", "onnx-whole", "onnx-parts");

    private static final ObjectMapper JSON = new ObjectMapper();

    private ExportedFixtures() {}

    static Path root() {
        Path root = Path.of(System.getProperty("avfuse.build.dir", "target"), "exported-models");
        if (!Files.isRegularFile(root.resolve("io.json"))) {
            throw new IllegalStateException(
                    "no exported models in "
                            + root
                            + ": run the build (generate-test-resources exports them)");
        }
        return root;
    }

    static Path dir(String name) {
        return root().resolve(name);
    }

    /** A copy of fixture {@code name} under {@code tmp}, for tests that break it. */
    static Path copy(String name, Path tmp) throws IOException {
        Path to = tmp.resolve(name);
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(dir(name))) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    /** Rewrites one field of {@code dir}'s manifest.json. */
    static void setManifest(Path dir, String field, Object value) throws IOException {
        Path file = dir.resolve(ModelManifest.FILE);
        ObjectNode m = (ObjectNode) JSON.readTree(file.toFile());
        m.set(field, JSON.valueToTree(value));
        JSON.writeValue(file.toFile(), m);
    }

    /** Python's fixed inputs, on {@code manager}. */
    static NDList inputs(NDManager manager) {
        NDList out = new NDList();
        for (JsonNode t : io().get("inputs")) {
            Shape shape = shape(t);
            JsonNode data = t.get("data");
            if ("int32".equals(t.get("dtype").asText())) {
                int[] v = new int[data.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = data.get(i).asInt();
                }
                out.add(manager.create(v, shape));
            } else {
                out.add(manager.create(floats(data), shape));
            }
        }
        return out;
    }

    /** Python's outputs for {@link #inputs}: logits, fused, video, audio, text, metadata. */
    static List<float[]> outputs() {
        List<float[]> out = new ArrayList<>();
        for (JsonNode t : io().get("outputs")) {
            out.add(floats(t.get("data")));
        }
        return out;
    }

    static List<Shape> outputShapes() {
        List<Shape> out = new ArrayList<>();
        for (JsonNode t : io().get("outputs")) {
            out.add(shape(t));
        }
        return out;
    }

    /** The largest absolute difference between DJL's {@code actual} and Python's outputs. */
    static double maxAbsDifference(NDList actual) {
        List<float[]> expected = outputs();
        double max = 0;
        for (int o = 0; o < expected.size(); o++) {
            float[] a = actual.get(o).toFloatArray();
            float[] e = expected.get(o);
            if (a.length != e.length) {
                return Double.POSITIVE_INFINITY;
            }
            for (int i = 0; i < e.length; i++) {
                max = Math.max(max, Math.abs(a[i] - e[i]));
            }
        }
        return max;
    }

    private static JsonNode io() {
        try {
            return JSON.readTree(root().resolve("io.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Shape shape(JsonNode t) {
        long[] dims = new long[t.get("shape").size()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = t.get("shape").get(i).asLong();
        }
        return new Shape(dims);
    }

    private static float[] floats(JsonNode data) {
        float[] v = new float[data.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) data.get(i).asDouble();
        }
        return v;
    }
}
