package io.avfuse.jobs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.avfuse.jobs.encode.FrameEncoderKind;
import io.avfuse.jobs.encode.TemporalPooling;
import io.avfuse.jobs.fuse.FusionKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelManifestTest {
    @TempDir Path tmp;

    @Test
    void toBuilderKeepsEveryComponentAndWritesReadBack() throws Exception {
        ModelManifest m =
                FusionInferenceTest.manifest(12, 16, List.of("video", "audio")).toBuilder()
                        .fusion(FusionKind.PERCEIVER)
                        .videoPooling(TemporalPooling.ATTENTION)
                        .frameEncoder(FrameEncoderKind.VIT)
                        .build();
        assertThat(m.toBuilder().build()).isEqualTo(m);
        assertThat(m.withVersion("v2").version()).isEqualTo("v2");
        assertThat(m.withVersion("v2").toBuilder().version(m.version()).build()).isEqualTo(m);
        m.write(tmp);
        assertThat(ModelManifest.read(tmp)).isEqualTo(m);
    }

    @Test
    void aSizeThatIsNotPositiveIsNamed() throws Exception {
        var b = FusionInferenceTest.manifest(12, 16, List.of("video")).toBuilder();
        assertThatThrownBy(() -> b.embedding(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'embedding' must be positive, is 0");
        String json =
                Files.readString(
                                writeAndGet(FusionInferenceTest.manifest(12, 16, List.of("video"))))
                        .replace("\"frames\" : 4", "\"frames\" : -1");
        Files.writeString(tmp.resolve(ModelManifest.FILE), json);
        assertThatThrownBy(() -> ModelManifest.read(tmp))
                .hasMessageContaining("cannot read")
                .hasMessageContaining("'frames' must be positive, is -1");
    }

    private Path writeAndGet(ModelManifest m) throws Exception {
        m.write(tmp);
        return tmp.resolve(ModelManifest.FILE);
    }
}
