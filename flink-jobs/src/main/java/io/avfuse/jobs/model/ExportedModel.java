package io.avfuse.jobs.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Loads the model of a model directory whose manifest declares an exported runtime: TorchScript
 * files on DJL's PyTorch engine, or ONNX files on DJL's ONNX Runtime engine. The files keep the
 * {@link FusionModel} contract, either as one file ({@code "model"}: the 6 inputs to logits, fused
 * embedding and the 4 modality embeddings) or one per part: {@code video} (frames, frame mask),
 * {@code audio} (log-mel), {@code text} (token ids) and {@code metadata} each to {@code (B, E)},
 * and {@code head} ({@code v, a, t, m, presence}) to logits.
 *
 * <p>Every file is checked before an engine sees it (present, the right format for the declared
 * runtime), then a forward pass over manifest-shaped zeros checks the output shapes, so a bad model
 * fails here with the file's name and never on the first window.
 *
 * <p>{@code Model serving = ExportedModel.load(dir, ModelManifest.read(dir), Device.cpu());}
 */
public final class ExportedModel {
    /** The {@code files} key of a single file holding the whole model. */
    public static final String WHOLE = "model";

    /** The {@code files} keys of a model exported part by part, in the order they run. */
    public static final List<String> PARTS = List.of("video", "audio", "text", "metadata", "head");

    private static final byte[] ZIP = {'P', 'K', 3, 4};

    private ExportedModel() {}

    /** Checks a manifest's {@code files} against its runtime; used by the manifest itself. */
    static void checkFiles(ModelRuntime runtime, Map<String, String> files) {
        if (runtime == ModelRuntime.BUILT_IN) {
            if (!files.isEmpty()) {
                throw new IllegalArgumentException(
                        "a BUILT_IN model takes no 'files' (found "
                                + new TreeSet<>(files.keySet())
                                + "); exported models declare runtime TORCHSCRIPT or ONNX");
            }
            return;
        }
        if (!files.keySet().equals(Set.of(WHOLE)) && !files.keySet().equals(Set.copyOf(PARTS))) {
            throw new IllegalArgumentException(
                    "a "
                            + runtime
                            + " model names its files as {\"model\": file} or one per part "
                            + PARTS
                            + ", not "
                            + new TreeSet<>(files.keySet()));
        }
        files.forEach(
                (part, file) -> {
                    Path p = Path.of(file).normalize();
                    if (file.isBlank() || p.isAbsolute() || p.startsWith("..")) {
                        throw new IllegalArgumentException(
                                "file '"
                                        + file
                                        + "' for '"
                                        + part
                                        + "' must be a path inside the model directory");
                    }
                });
    }

    /**
     * Loads {@code manifest}'s files from {@code dir} into a PyTorch-engine model, whatever the
     * runtime, so callers create inputs and read outputs on one engine.
     */
    public static Model load(Path dir, ModelManifest manifest, Device device) throws IOException {
        Model serving = Model.newInstance(ModelDirectory.PARAMETERS, device, "PyTorch");
        Map<String, String> files = manifest.files();
        List<String> order = files.containsKey(WHOLE) ? List.of(WHOLE) : PARTS;
        try {
            Map<String, Block> blocks = new LinkedHashMap<>();
            for (String part : order) {
                Path file = dir.resolve(files.get(part));
                blocks.put(part, loadFile(serving, file, part, manifest.runtime(), device));
            }
            serving.setBlock(new ExportedFusionBlock(manifest, blocks));
            ModelDirectory.probe(serving, manifest);
            return serving;
        } catch (IOException e) {
            serving.close();
            throw e;
        } catch (RuntimeException e) {
            serving.close();
            throw new IOException(
                    "the "
                            + manifest.runtime()
                            + " model "
                            + order.stream().map(files::get).toList()
                            + " in "
                            + dir
                            + " does not fit its manifest (embedding "
                            + manifest.embedding()
                            + ", "
                            + manifest.labels().size()
                            + " labels): "
                            + reason(e),
                    e);
        }
    }

    private static Block loadFile(
            Model serving, Path file, String part, ModelRuntime runtime, Device device)
            throws IOException {
        String what = file + " (" + part + ", " + runtime + ")";
        if (!Files.isRegularFile(file)) {
            throw new IOException("model file " + what + " is missing");
        }
        checkFormat(file, what, runtime);
        boolean onnx = runtime == ModelRuntime.ONNX;
        // The onnxruntime jar carries CPU kernels only: ONNX parts run on the CPU, and
        // ExportedFusionBlock copies tensors between the engines (and devices).
        Model model =
                Model.newInstance(
                        part, onnx ? Device.cpu() : device, onnx ? "OnnxRuntime" : "PyTorch");
        // Closed with the serving model, which is all callers hold.
        serving.getNDManager().attachInternal(NDManager.nextUid(), model);
        try {
            if (onnx) {
                // ONNX Runtime would start a pool as large as the machine per session; take the
                // share libtorch has (FusionInference sets it per slot before loading).
                int threads = ai.djl.pytorch.jni.JniUtils.getNumThreads();
                model.load(file, null, Map.of("intraOpNumThreads", String.valueOf(threads)));
            } else {
                model.load(file);
            }
        } catch (MalformedModelException | IOException | RuntimeException e) {
            throw new IOException("cannot load model file " + what + ": " + reason(e), e);
        }
        return model.getBlock();
    }

    /**
     * TorchScript files are zip archives; ONNX files are protobuf messages that start with the
     * {@code ir_version} field (tag byte 0x08). Checking this first turns an engine's cryptic error
     * into one that says which runtime the file needs.
     */
    private static void checkFormat(Path file, String what, ModelRuntime runtime)
            throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(ZIP.length);
        }
        if (head.length == 0) {
            throw new IOException("model file " + what + " is empty");
        }
        boolean zip = java.util.Arrays.equals(head, ZIP);
        if (runtime == ModelRuntime.TORCHSCRIPT && !zip) {
            throw new IOException(
                    "model file "
                            + what
                            + " is not a TorchScript archive (no zip header)"
                            + (head[0] == 0x08
                                    ? ": it looks like an ONNX model, declare \"runtime\": \"ONNX\""
                                    : ": corrupt, or not written by torch.jit.save"));
        }
        if (runtime == ModelRuntime.ONNX && zip) {
            throw new IOException(
                    "model file "
                            + what
                            + " is a zip archive, as TorchScript files are, not an ONNX model:"
                            + " declare \"runtime\": \"TORCHSCRIPT\"");
        }
    }

    /** The distinct messages along a cause chain: engines wrap the useful one. */
    static String reason(Throwable e) {
        StringBuilder out = new StringBuilder();
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && !m.isBlank() && out.indexOf(m) < 0) {
                out.append(out.length() == 0 ? "" : ": ").append(m.strip());
            }
        }
        return out.length() == 0 ? e.getClass().getName() : out.toString();
    }
}
