package io.avfuse.jobs.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.jobs.encode.AudioEncoderKind;
import io.avfuse.jobs.encode.FrameEncoderKind;
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
}
