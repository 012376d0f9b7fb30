package io.avfuse.jobs.swap;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.jobs.model.ModelVersions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading announcements: control-record values and the watched directory. */
class AnnouncementsTest {
    @TempDir Path tmp;

    @Test
    void aControlRecordIsAPathOrJsonWithAnOptionalVersion() {
        assertThat(ModelAnnouncement.parse(" /models/v2\n", "t@0"))
                .isEqualTo(new ModelAnnouncement("/models/v2", null, "t@0"));
        assertThat(ModelAnnouncement.parse("{\"dir\": \"/models/v3\", \"version\": \"3\"}", "t@1"))
                .isEqualTo(new ModelAnnouncement("/models/v3", "3", "t@1"));
        assertThat(ModelAnnouncement.parse("{\"dir\": \"/m\"}", "t@2").version()).isNull();

        assertThat(ModelAnnouncement.parse("{\"path\": \"/m\"}", "t@3").problem())
                .contains("no string field \"dir\"");
        assertThat(ModelAnnouncement.parse("{\"dir\": ", "t@4").problem())
                .startsWith("not valid JSON");
        assertThat(ModelAnnouncement.parse("  ", "t@5").problem())
                .isEqualTo("it names no model directory");
        assertThat(ModelAnnouncement.parse(null, "t@6").problem()).isNotNull();
    }

    @Test
    void theWatchedDirectoryAnnouncesItsGreatestCompleteVisibleModelOnce() throws Exception {
        Path root = tmp.resolve("models");
        try (var feed = new WatchedDirectoryFeed(root)) {
            assertThat(feed.poll(Duration.ZERO)).as("no directory yet").isEmpty();
            model(root.resolve("v0001"));
            assertThat(feed.poll(Duration.ZERO).orElseThrow().dir())
                    .isEqualTo(root.resolve("v0001").toString());
            assertThat(feed.poll(Duration.ZERO)).as("reported once").isEmpty();

            Files.createDirectories(root.resolve("v0003")); // still being written: no manifest
            model(root.resolve(".v0004.tmp")); // hidden until renamed
            assertThat(feed.poll(Duration.ZERO)).isEmpty();

            model(root.resolve("v0002"));
            assertThat(feed.poll(Duration.ZERO).orElseThrow().dir()).endsWith("v0002");
            Files.move(root.resolve(".v0004.tmp"), root.resolve("v0004"));
            assertThat(feed.poll(Duration.ZERO).orElseThrow().dir()).endsWith("v0004");
        }
    }

    @Test
    void aModelMustBeTheAnnouncedVersionWithTheServingLabelsAndEmbeddingSize() {
        var serving = ModelVersions.manifest("v1", ModelVersions.LABELS);
        var v2 = ModelVersions.manifest("v2", ModelVersions.LABELS);
        assertThat(
                        ModelLoader.incompatibility(
                                new ModelAnnouncement("/m/v2", null, "t"), v2, serving))
                .isNull();
        assertThat(
                        ModelLoader.incompatibility(
                                new ModelAnnouncement("/m/v2", "v2", "t"), v2, serving))
                .isNull();
        assertThat(
                        ModelLoader.incompatibility(
                                new ModelAnnouncement("/m/v2", "v3", "t"), v2, serving))
                .isEqualTo("announced as version 'v3' but its manifest says 'v2'");
        var fewer = ModelVersions.manifest("v2", List.of("calm", "goal"));
        assertThat(
                        ModelLoader.incompatibility(
                                new ModelAnnouncement("/m/v2", null, "t"), fewer, serving))
                .startsWith(
                        "its labels [calm, goal] differ from the serving model's [calm, goal, foul]");
    }

    @Test
    void aFailureMessageNamesTheRootCauseWhenItsOwnDoesNot() {
        var wrapped = new java.io.IOException("cannot load x: null", new java.io.EOFException());
        assertThat(ModelLoader.reason(wrapped))
                .isEqualTo("cannot load x: null (caused by java.io.EOFException)");
        var plain = new java.io.IOException("no manifest.json in /m");
        assertThat(ModelLoader.reason(plain)).isEqualTo("no manifest.json in /m");
        var said = new java.io.IOException("bad: boom", new IllegalStateException("boom"));
        assertThat(ModelLoader.reason(said)).isEqualTo("bad: boom");
    }

    private static void model(Path dir) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("manifest.json"), "{}");
    }
}
