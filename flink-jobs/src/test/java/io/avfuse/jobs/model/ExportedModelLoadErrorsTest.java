package io.avfuse.jobs.model;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broken copies of the exported model directories fail in {@link ModelDirectory#load}, with a
 * message that names the file and the problem, instead of on the first window.
 */
class ExportedModelLoadErrorsTest {
    @TempDir Path tmp;

    private static void assertLoadFails(Path dir, String... fragments) {
        assertThatThrownBy(() -> ModelDirectory.load(dir, Device.cpu()).close())
                .isInstanceOf(IOException.class)
                .satisfies(e -> System.out.println("load error: " + e.getMessage()))
                .message()
                .contains(fragments);
    }

    @Test
    void aMissingFileIsNamed() throws Exception {
        Path dir = ExportedFixtures.copy("torchscript-parts", tmp);
        Files.delete(dir.resolve("audio.pt"));
        assertLoadFails(dir, dir.resolve("audio.pt").toString(), "(audio, TORCHSCRIPT)", "missing");
    }

    @Test
    void aWholeModelWhoseOutputsDisagreeWithTheManifestFailsTheProbe() throws Exception {
        Path dir = ExportedFixtures.copy("torchscript-whole", tmp);
        ExportedFixtures.setManifest(dir, "embedding", 12);
        assertLoadFails(
                dir,
                "[model.pt]",
                dir.toString(),
                "embedding 12",
                "output 1 has shape (1, 16), the manifest implies (1, 12)");
    }

    @Test
    void aPartWhoseOutputDisagreesWithTheManifestIsNamed() throws Exception {
        Path dir = ExportedFixtures.copy("onnx-parts", tmp);
        ExportedFixtures.setManifest(dir, "labels", List.of("calm", "goal", "foul", "corner"));
        assertLoadFails(dir, "head.onnx (head)", "(1, 3)", "the manifest implies one of (1, 4)");
    }

    @Test
    void anOnnxFileDeclaredAsTorchScriptIsRejectedBeforeTheEngineSeesIt() throws Exception {
        Path dir = ExportedFixtures.copy("onnx-whole", tmp);
        ExportedFixtures.setManifest(dir, "runtime", "TORCHSCRIPT");
        assertLoadFails(
                dir,
                dir.resolve("model.onnx").toString(),
                "not a TorchScript archive",
                "looks like an ONNX model, declare \"runtime\": \"ONNX\"");
    }

    @Test
    void aTorchScriptFileDeclaredAsOnnxIsRejected() throws Exception {
        Path dir = ExportedFixtures.copy("torchscript-whole", tmp);
        ExportedFixtures.setManifest(dir, "runtime", "ONNX");
        assertLoadFails(
                dir,
                dir.resolve("model.pt").toString(),
                "is a zip archive",
                "declare \"runtime\": \"TORCHSCRIPT\"");
    }

    @Test
    void aTruncatedTorchScriptFileFailsInTheEngineWithTheFileNamed() throws Exception {
        Path dir = ExportedFixtures.copy("torchscript-whole", tmp);
        Path file = dir.resolve("model.pt");
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));
        assertLoadFails(dir, "cannot load model file " + file + " (model, TORCHSCRIPT)");
    }

    @Test
    void aCorruptOnnxFileFailsInTheEngineWithTheFileNamed() throws Exception {
        Path dir = ExportedFixtures.copy("onnx-parts", tmp);
        Path file = dir.resolve("video.onnx");
        byte[] bytes = Files.readAllBytes(file);
        // Keeps the protobuf's first bytes, so the format check passes and ONNX Runtime decides.
        for (int i = 16; i < bytes.length; i += 7) {
            bytes[i] = (byte) (bytes[i] ^ 0x5a);
        }
        Files.write(file, bytes);
        assertLoadFails(dir, "cannot load model file " + file + " (video, ONNX)");
    }

    @Test
    void anEmptyFileIsNamed() throws Exception {
        Path dir = ExportedFixtures.copy("onnx-whole", tmp);
        Files.write(dir.resolve("model.onnx"), new byte[0]);
        assertLoadFails(dir, dir.resolve("model.onnx").toString(), "is empty");
    }

    @Test
    void theManifestMustNameTheWholeModelOrEveryPartInsideTheDirectory() throws Exception {
        Path dir = ExportedFixtures.copy("torchscript-parts", tmp);
        Path manifest = dir.resolve(ModelManifest.FILE);
        ExportedFixtures.setManifest(dir, "files", Map.of("video", "video.pt"));
        assertLoadFails(
                dir,
                "cannot read " + manifest,
                "one per part [video, audio, text, metadata, head], not [video]");
        ExportedFixtures.setManifest(dir, "files", Map.of("model", "../model.pt"));
        assertLoadFails(dir, "'../model.pt' for 'model' must be a path inside the model directory");
        ExportedFixtures.setManifest(dir, "files", Map.of());
        assertLoadFails(dir, "a TORCHSCRIPT model names its files");
        ExportedFixtures.setManifest(dir, "runtime", "BUILT_IN");
        ExportedFixtures.setManifest(dir, "files", Map.of("model", "model.pt"));
        assertLoadFails(dir, "a BUILT_IN model takes no 'files'");
    }
}
