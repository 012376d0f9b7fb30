package io.avfuse.jobs.encode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Where the pretrained encoders' files are: as the build fetches them ({@link #buildOutput}, under
 * {@code flink-jobs/target/pretrained}) or inside a model directory ({@link #inModelDirectory}),
 * which must hold its own copies so that it serves without the build tree.
 *
 * <p>{@code PretrainedFiles.buildOutput(dir).copyTo(PretrainedFiles.inModelDirectory(model), true,
 * true);}
 *
 * @param minilmModel all-MiniLM-L6-v2 (quantised) ONNX
 * @param minilmTokenizer its {@code tokenizer.json}
 * @param sileroVad Silero VAD v5 ONNX
 */
public record PretrainedFiles(Path minilmModel, Path minilmTokenizer, Path sileroVad) {
    /** Folder of a model directory that holds its pretrained files. */
    public static final String FOLDER = "pretrained";

    /** The layout {@code flink-jobs/pom.xml} fetches into (its {@code pretrained.dir}). */
    public static PretrainedFiles buildOutput(Path pretrainedDir) {
        return new PretrainedFiles(
                pretrainedDir.resolve("minilm/all-minilm-l6-v2-q.onnx"),
                pretrainedDir.resolve("minilm/all-minilm-l6-v2-q-tokenizer.json"),
                pretrainedDir.resolve("silero/silero_vad_v5.onnx"));
    }

    public static PretrainedFiles inModelDirectory(Path modelDir) {
        Path d = modelDir.resolve(FOLDER);
        return new PretrainedFiles(
                d.resolve("minilm.onnx"),
                d.resolve("minilm-tokenizer.json"),
                d.resolve("silero_vad_v5.onnx"));
    }

    /** Copies the text (MiniLM) and/or audio (Silero) files to {@code target}'s paths. */
    public void copyTo(PretrainedFiles target, boolean text, boolean audio) throws IOException {
        if (text) {
            copy(minilmModel, target.minilmModel, "MiniLM ONNX model");
            copy(minilmTokenizer, target.minilmTokenizer, "MiniLM tokenizer");
        }
        if (audio) {
            copy(sileroVad, target.sileroVad, "Silero VAD ONNX model");
        }
    }

    private static void copy(Path from, Path to, String what) throws IOException {
        MiniLmTextEmbedder.requireFile(from, what);
        Files.createDirectories(to.getParent());
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
}
