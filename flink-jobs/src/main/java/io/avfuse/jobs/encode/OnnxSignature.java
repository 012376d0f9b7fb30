package io.avfuse.jobs.encode;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks an ONNX model's inputs when it is loaded (a wrong file fails there, naming itself, not on
 * the first window) and picks outputs by name (ORT's output order is not part of the contract).
 *
 * <p>{@code OnnxSignature.require(model, file, "input", "state", "sr");}
 */
final class OnnxSignature {
    private OnnxSignature() {}

    static void require(Model model, Path file, String... inputs) {
        List<String> actual = new ArrayList<>(model.getBlock().describeInput().keys());
        if (!actual.containsAll(List.of(inputs)) || actual.size() != inputs.length) {
            throw new IllegalArgumentException(
                    file
                            + " has inputs "
                            + actual
                            + ", expected "
                            + List.of(inputs)
                            + " (is it the right model file?)");
        }
    }

    /**
     * DJL's ORT session options for {@code threads} intra-op threads and one inter-op thread (DJL
     * reads the intra-op count only when the inter-op one is set); 0 or less: ORT's defaults.
     */
    static Map<String, String> threads(int threads) {
        return threads <= 0
                ? null
                : Map.of("interOpNumThreads", "1", "intraOpNumThreads", Integer.toString(threads));
    }

    static NDArray output(NDList outputs, String name) {
        for (NDArray a : outputs) {
            if (name.equals(a.getName())) {
                return a;
            }
        }
        throw new IllegalStateException("the ONNX model returned no output named '" + name + "'");
    }
}
