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
import io.avfuse.jobs.encode.PretrainedFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * A versioned model directory: {@code manifest.json}, {@code tokenizer.json} and the parameters
 * ({@code avfuse-0000.params}), or, when the manifest declares runtime TORCHSCRIPT or ONNX, the
 * exported files it names ({@link ExportedModel}), plus copies of the pretrained encoders' files
 * its manifest uses ({@code pretrained/}, see {@link PretrainedFiles#inModelDirectory}). Loading
 * checks everything up front and fails with a message that names the directory or file and the
 * problem, so a bad model never fails mid-stream. Whatever the runtime, the loaded model is a
 * PyTorch-engine {@link Model} whose block keeps the {@link FusionModel} contract.
 *
 * <p>{@code try (ModelDirectory.Loaded m = ModelDirectory.load(dir, Device.cpu())) { ... }}
 */
public final class ModelDirectory {
    public static final String PARAMETERS = "avfuse";
    public static final String TOKENIZER = "tokenizer.json";

    private ModelDirectory() {}

    /**
     * A loaded model with its manifest, tokenizer and the pretrained encoders it uses (owned here);
     * closing frees native memory.
     */
    public record Loaded(
            ModelManifest manifest,
            Model model,
            HuggingFaceTokenizer tokenizer,
            PretrainedEncoders pretrained)
            implements AutoCloseable {
        @Override
        public void close() {
            pretrained.close();
            tokenizer.close();
            model.close();
        }

        /** Windows to this model's inputs, with its pretrained encoders. */
        public WindowBatch windowBatch() {
            return new WindowBatch(manifest, tokenizer, pretrained);
        }
    }

    /**
     * Writes {@code model}'s parameters, the manifest and a copy of the tokenizer to {@code dir}.
     */
    public static void save(Model model, ModelManifest manifest, Path tokenizer, Path dir)
            throws IOException {
        save(model, manifest, tokenizer, null, dir);
    }

    /**
     * As {@link #save(Model, ModelManifest, Path, Path)}, also copying the pretrained files the
     * manifest uses from {@code pretrained} (may be null when it uses none).
     */
    public static void save(
            Model model,
            ModelManifest manifest,
            Path tokenizer,
            PretrainedFiles pretrained,
            Path dir)
            throws IOException {
        boolean needed =
                PretrainedEncoders.usesText(manifest) || PretrainedEncoders.usesAudio(manifest);
        if (needed && pretrained == null) {
            throw new IOException(
                    "the manifest uses a pretrained encoder ("
                            + manifest.textEncoder()
                            + " text, "
                            + manifest.audioEncoder()
                            + " audio): saving to "
                            + dir
                            + " needs its files");
        }
        Files.createDirectories(dir);
        if (needed) {
            PretrainedEncoders.copy(manifest, pretrained, PretrainedFiles.inModelDirectory(dir));
        }
        manifest.write(dir);
        Files.copy(tokenizer, dir.resolve(TOKENIZER), StandardCopyOption.REPLACE_EXISTING);
        model.setProperty("version", manifest.version());
        // Without a fixed epoch DJL numbers the file after those already there, and loading picks
        // the highest: saving into a directory again must overwrite its parameters.
        model.setProperty("Epoch", "0");
        model.save(dir, PARAMETERS);
    }

    /**
     * DJL takes parameter shapes from the file without checking them against the block, so a model
     * that does not match its manifest would only fail on the first window: run one forward pass
     * over manifest-shaped zeros now and check what comes out.
     */
    static void probe(Model model, ModelManifest manifest) {
        try (NDManager manager = model.getNDManager().newSubManager()) {
            Shape[] inputs = FusionModel.inputShapes(manifest, 1);
            DataType[] types = FusionModel.inputTypes(manifest);
            NDList zeros = new NDList();
            for (int i = 0; i < inputs.length; i++) {
                zeros.add(manager.zeros(inputs[i], types[i]));
            }
            NDList out = model.getBlock().forward(new ParameterStore(manager, false), zeros, false);
            Shape[] expected = FusionModel.outputShapes(manifest, 1);
            if (out.size() != expected.length) {
                throw new IllegalStateException(
                        "the model gives "
                                + out.size()
                                + " outputs, the contract has "
                                + expected.length
                                + " (logits, fused, video, audio, text, metadata)");
            }
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
        return load(dir, device, 0);
    }

    /**
     * As {@link #load(Path, Device)}, giving each pretrained encoder {@code ortThreads} ONNX
     * Runtime threads (0: ORT's default, one per core).
     */
    public static Loaded load(Path dir, Device device, int ortThreads) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("model directory not found: " + dir);
        }
        ModelManifest manifest = ModelManifest.read(dir);
        Path tokenizerFile = dir.resolve(TOKENIZER);
        if (!Files.isRegularFile(tokenizerFile)) {
            throw new IOException("no " + TOKENIZER + " in model directory " + dir);
        }
        Model model =
                manifest.runtime() == ModelRuntime.BUILT_IN
                        ? loadBuiltIn(dir, manifest, device)
                        : ExportedModel.load(dir, manifest, device);
        HuggingFaceTokenizer tokenizer;
        try {
            tokenizer = HuggingFaceTokenizer.newInstance(tokenizerFile, Map.of());
        } catch (IOException | RuntimeException e) {
            model.close();
            throw new IOException("cannot load " + tokenizerFile + ": " + e.getMessage(), e);
        }
        PretrainedEncoders pretrained;
        try {
            pretrained =
                    PretrainedEncoders.open(
                            manifest, PretrainedFiles.inModelDirectory(dir), ortThreads);
        } catch (IOException | RuntimeException e) {
            tokenizer.close();
            model.close();
            throw new IOException(
                    "model directory " + dir + ": pretrained encoder: " + e.getMessage(), e);
        }
        return new Loaded(manifest, model, tokenizer, pretrained);
    }

    private static Model loadBuiltIn(Path dir, ModelManifest manifest, Device device)
            throws IOException {
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
        return model;
    }
}
