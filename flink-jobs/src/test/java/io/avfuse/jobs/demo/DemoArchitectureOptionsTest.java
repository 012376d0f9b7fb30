package io.avfuse.jobs.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.jobs.encode.AudioEncoderKind;
import io.avfuse.jobs.encode.FrameEncoderKind;
import io.avfuse.jobs.encode.PretrainedFiles;
import io.avfuse.jobs.encode.TextEncoderKind;
import io.avfuse.jobs.fuse.FusionKind;
import io.avfuse.jobs.model.ModelManifest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The demo's architecture options reach the manifest of the model it trains. */
class DemoArchitectureOptionsTest {
    private static ModelManifest manifestFor(String... args) {
        DemoCommand demo = new DemoCommand();
        new CommandLine(demo).parseArgs(args);
        return new TrainingRun(demo, new PrintWriter(new StringWriter()))
                .manifest(20, List.of("speed"));
    }

    @Test
    void theNewArchitecturesAreSelectable() {
        ModelManifest m =
                manifestFor(
                        "--fusion", "PERCEIVER",
                        "--frame-encoder", "VIT",
                        "--audio-encoder", "WAVEFORM");
        assertThat(m.fusion()).isEqualTo(FusionKind.PERCEIVER);
        assertThat(m.frameEncoder()).isEqualTo(FrameEncoderKind.VIT);
        assertThat(m.audioEncoder()).isEqualTo(AudioEncoderKind.WAVEFORM);
    }

    @Test
    void withoutTheOptionsTheDemoKeepsItsDefaults() {
        ModelManifest m = manifestFor();
        assertThat(m.fusion()).isEqualTo(FusionKind.GATED);
        assertThat(m.frameEncoder()).isEqualTo(FrameEncoderKind.CNN);
        assertThat(m.audioEncoder()).isEqualTo(AudioEncoderKind.LOG_MEL);
    }

    @Test
    void thePretrainedEncodersAreSelectableAndTheirFilesFound() {
        DemoCommand demo = new DemoCommand();
        new CommandLine(demo)
                .parseArgs("--text-encoder", "MINILM", "--audio-encoder", "SILERO_VAD");
        ModelManifest m =
                new TrainingRun(demo, new PrintWriter(new StringWriter()))
                        .manifest(20, List.of("speed"));
        assertThat(m.textEncoder()).isEqualTo(TextEncoderKind.MINILM);
        assertThat(m.audioEncoder()).isEqualTo(AudioEncoderKind.SILERO_VAD);
        // The tests run in the module, where the build fetched the files.
        PretrainedFiles files = demo.architecture.pretrained();
        assertThat(files.minilmModel()).isRegularFile();
        assertThat(files.sileroVad()).isRegularFile();
    }

    @Test
    void aMissingPretrainedFileIsAUsageErrorNamingTheOption() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new DemoCommand());
        cli.setErr(new PrintWriter(err));
        int code =
                cli.execute(
                        "--text-encoder", "MINILM", "--pretrained-dir", "/nonexistent/pretrained");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString())
                .contains("/nonexistent/pretrained/minilm")
                .contains("--pretrained-dir");
    }

    @Test
    void withoutPretrainedEncodersNoFilesAreNeeded() {
        DemoCommand demo = new DemoCommand();
        new CommandLine(demo).parseArgs("--pretrained-dir", "/nonexistent");
        assertThat(demo.architecture.pretrained()).isNull();
    }
}
