package io.avfuse.jobs.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * A versioned model directory: {@code manifest.json}, {@code tokenizer.json} and the parameters
 * ({@code avfuse-0000.params}). Loading checks everything up front and fails with a message that
 * names the directory and the problem, so a bad model never fails mid-stream.
 *
 * <p>{@code try (ModelDirectory.Loaded m = ModelDirectory.load(dir, Device.cpu())) { ... }}
 */
public final class ModelDirectory {
    public static final String PARAMETERS = "avfuse";
    public static final String TOKENIZER = "tokenizer.json";

    private ModelDirectory() {}

    /** A loaded model with its manifest and tokenizer; closing frees native memory. */
    public record Loaded(ModelManifest manifest, Model model, HuggingFaceTokenizer tokenizer)
            implements AutoCloseable {
        @Override
        public void close() {
            tokenizer.close();
            model.close();
        }
    }

    /**
     * Writes {@code model}'s parameters, the manifest and a copy of the tokenizer to {@code dir}.
     */
    public static void save(Model model, ModelManifest manifest, Path tokenizer, Path dir)
            throws IOException {
        Files.createDirectories(dir);
        manifest.write(dir);
        Files.copy(tokenizer, dir.resolve(TOKENIZER), StandardCopyOption.REPLACE_EXISTING);
        model.setProperty("version", manifest.version());
        model.save(dir, PARAMETERS);
    }

    /**
     * DJL takes parameter shapes from the file without checking them against the block, so a model
     * that does not match its manifest would only fail on the first window: run one forward pass
     * over manifest-shaped zeros now and check what comes out.
     */
    private static void probe(Model model, ModelManifest manifest) {
        try (NDManager manager = model.getNDManager().newSubManager()) {
            Shape[] inputs = FusionModel.inputShapes(manifest, 1);
            DataType[] types = FusionModel.inputTypes(manifest);
            NDList zeros = new NDList();
            for (int i = 0; i < inputs.length; i++) {
                zeros.add(manager.zeros(inputs[i], types[i]));
            }
            NDList out = model.getBlock().forward(new ParameterStore(manager, false), zeros, false);
            Shape[] expected = model.getBlock().getOutputShapes(inputs);
            for (int i = 0; i < expected.length; i++) {
                if (!out.get(i).getShape().equals(expected[i])) {
                    throw new IllegalStateException(
                            "output "
                                    + i
                                    + " has shape "
                                    + out.get(i).getShape()
                                    + ", the manifest implies "
                                    + expected[i]);
                }
            }
        }
    }

    public static Loaded load(Path dir, Device device) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("model directory not found: " + dir);
        }
        ModelManifest manifest = ModelManifest.read(dir);
        Path tokenizerFile = dir.resolve(TOKENIZER);
        if (!Files.isRegularFile(tokenizerFile)) {
            throw new IOException("no " + TOKENIZER + " in model directory " + dir);
        }
        Model model = Model.newInstance(PARAMETERS, device, "PyTorch");
        try {
            model.setBlock(new FusionModel(manifest));
            model.load(dir, PARAMETERS);
            probe(model, manifest);
        } catch (MalformedModelException | IOException | RuntimeException e) {
            model.close();
            throw new IOException(
                    "cannot load the parameters in "
                            + dir
                            + " for the model its manifest"
                            + " describes ("
                            + manifest.fusion()
                            + ", "
                            + manifest.frameEncoder()
                            + " frames, "
                            + manifest.audioEncoder()
                            + " audio, embedding "
                            + manifest.embedding()
                            + ", "
                            + manifest.labels().size()
                            + " labels): "
                            + e.getMessage(),
                    e);
        }
        HuggingFaceTokenizer tokenizer;
        try {
            tokenizer = HuggingFaceTokenizer.newInstance(tokenizerFile, Map.of());
        } catch (IOException | RuntimeException e) {
            model.close();
            throw new IOException("cannot load " + tokenizerFile + ": " + e.getMessage(), e);
        }
        return new Loaded(manifest, model, tokenizer);
    }
}
