package io.avfuse.jobs.train;

import io.avfuse.jobs.encode.AudioEncoderKind;
import io.avfuse.jobs.encode.FrameEncoderKind;
import io.avfuse.jobs.encode.PretrainedFiles;
import io.avfuse.jobs.encode.TemporalPooling;
import io.avfuse.jobs.encode.TextEncoderKind;
import io.avfuse.jobs.fuse.FusionKind;
import io.avfuse.jobs.model.ModelManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The model architecture a user picks on the command line ({@code avfuse train} and {@code avfuse
 * demo} share it): the fusion head, the temporal pooling and each modality's encoder, plus where
 * the pretrained encoders' files are.
 */
public final class ArchitectureOptions {
    /** System property {@code bin/avfuse} sets to the checkout, to find the build's files. */
    public static final String HOME_PROPERTY = "avfuse.home";

    @Option(
            names = "--fusion",
            paramLabel = "KIND",
            defaultValue = "GATED",
            description = "Fusion head: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    public FusionKind fusion;

    @Option(
            names = "--video-pooling",
            paramLabel = "KIND",
            defaultValue = "MEAN",
            description =
                    "Temporal pooling of the frames: ${COMPLETION-CANDIDATES} (default:"
                            + " ${DEFAULT-VALUE}).")
    public TemporalPooling videoPooling;

    @Option(
            names = "--frame-encoder",
            paramLabel = "KIND",
            defaultValue = "CNN",
            description =
                    "Per-frame encoder: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    public FrameEncoderKind frameEncoder;

    @Option(
            names = "--audio-encoder",
            paramLabel = "KIND",
            defaultValue = "LOG_MEL",
            description =
                    "Audio encoder: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE};"
                            + " SILERO_VAD is the pretrained Silero VAD).")
    public AudioEncoderKind audioEncoder;

    @Option(
            names = "--text-encoder",
            paramLabel = "KIND",
            defaultValue = "WORDS",
            description =
                    "Text encoder: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}; MINILM is"
                            + " the pretrained all-MiniLM-L6-v2).")
    public TextEncoderKind textEncoder;

    @Option(
            names = "--pretrained-dir",
            paramLabel = "DIR",
            description =
                    "Where the build put the pretrained encoders' files (default:"
                            + " flink-jobs/target/pretrained of this checkout).")
    public Path pretrainedDir;

    /** The benchmark model shape with these choices. */
    public ModelManifest manifest(
            String version, int embedding, int vocabulary, List<String> features) {
        return BenchmarkModel.manifest(
                version,
                fusion,
                videoPooling,
                embedding,
                vocabulary,
                features,
                frameEncoder,
                audioEncoder,
                textEncoder);
    }

    public boolean usesPretrained() {
        return audioEncoder == AudioEncoderKind.SILERO_VAD || textEncoder == TextEncoderKind.MINILM;
    }

    /**
     * The pretrained files, or {@code null} when these choices use none.
     *
     * @throws IllegalArgumentException naming the option when the files are not there
     */
    public PretrainedFiles pretrained() {
        if (!usesPretrained()) {
            return null;
        }
        Path dir = pretrainedDir != null ? pretrainedDir : defaultPretrainedDir();
        PretrainedFiles files = PretrainedFiles.buildOutput(dir);
        List<Path> needed =
                textEncoder == TextEncoderKind.MINILM
                        ? List.of(files.minilmModel(), files.minilmTokenizer())
                        : List.of();
        if (audioEncoder == AudioEncoderKind.SILERO_VAD) {
            needed = new java.util.ArrayList<>(needed);
            needed.add(files.sileroVad());
        }
        for (Path p : needed) {
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException(
                        "pretrained encoder file "
                                + p
                                + " is missing: build the project (./mvnw -DskipTests package"
                                + " fetches it) or point --pretrained-dir at its folder");
            }
        }
        return files;
    }

    private static Path defaultPretrainedDir() {
        String home = System.getProperty(HOME_PROPERTY);
        if (home != null) {
            return Path.of(home, "flink-jobs", "target", "pretrained");
        }
        // Run from the checkout or from the module (as the tests are).
        Path fromRoot = Path.of("flink-jobs", "target", "pretrained");
        return Files.isDirectory(fromRoot) ? fromRoot : Path.of("target", "pretrained");
    }
}
