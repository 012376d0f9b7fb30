package io.avfuse.jobs.model;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import io.avfuse.jobs.encode.WordVocabulary;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Model directories of distinct versions for the hot-swap tests: the same small architecture as
 * {@link FusionInferenceTest#savedModel}, with its own version, labels and random initialisation,
 * written under a hidden name and renamed into place as a deployment would.
 */
public final class ModelVersions {
    public static final List<String> LABELS = List.of("calm", "goal", "foul");

    private ModelVersions() {}

    /**
     * A freshly initialised model of {@code version} (parameters from {@code seed}) at {@code dir}.
     */
    public static Path save(Path dir, String version, int seed) throws Exception {
        return save(dir, version, seed, LABELS);
    }

    public static Path save(Path dir, String version, int seed, List<String> labels)
            throws Exception {
        Path staging = dir.resolveSibling("." + dir.getFileName() + ".tmp");
        WordVocabulary vocab = WordVocabulary.build(List.of("goal foul calm crowd referee"), 16);
        Path tokenizer = staging.resolve("tokenizer.json");
        Files.createDirectories(staging);
        vocab.write(tokenizer);
        ModelManifest base = FusionInferenceTest.manifest(vocab.size(), 16);
        ModelManifest m = relabelled(base, version, labels);
        try (Model model = Model.newInstance("avfuse", Device.cpu(), "PyTorch")) {
            model.getNDManager().getEngine().setRandomSeed(seed);
            FusionModel block = new FusionModel(m);
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, FusionModel.inputShapes(m, 1));
            ModelDirectory.save(model, m, tokenizer, staging);
        }
        Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
        return dir;
    }

    /** The manifest of the test architecture as {@code version} with {@code labels}. */
    public static ModelManifest manifest(String version, List<String> labels) {
        return relabelled(FusionInferenceTest.manifest(16, 16), version, labels);
    }

    /** {@code m} with another version and labels. */
    static ModelManifest relabelled(ModelManifest m, String version, List<String> labels) {
        return m.withVersion(version).withLabels(labels);
    }

    /**
     * A copy of {@code good} as {@code version} whose parameter file was cut in half, as by an
     * interrupted upload: its manifest reads, its parameters do not load.
     */
    public static Path truncated(Path good, Path dir, String version) throws IOException {
        Path staging = dir.resolveSibling("." + dir.getFileName() + ".tmp");
        Files.createDirectories(staging);
        try (var files = Files.list(good)) {
            for (Path f : files.toList()) {
                Files.copy(f, staging.resolve(f.getFileName()));
            }
        }
        ModelManifest m = ModelManifest.read(staging);
        relabelled(m, version, m.labels()).write(staging);
        Path params = staging.resolve(ModelDirectory.PARAMETERS + "-0000.params");
        try (FileChannel ch = FileChannel.open(params, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() / 2);
        }
        Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
        return dir;
    }
}
