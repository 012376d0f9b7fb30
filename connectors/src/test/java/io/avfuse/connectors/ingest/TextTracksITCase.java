package io.avfuse.connectors.ingest;

import static io.avfuse.connectors.ingest.IngestFixtures.START_US;
import static io.avfuse.connectors.ingest.IngestFixtures.ffmpeg;
import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.ingest.IngestFixtures.Topics;
import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.TextKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Subtitle streams inside a container, WebVTT sidecars and JSONL metadata become text events. */
class TextTracksITCase {
    @RegisterExtension static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();

    private static final String SRT =
            "1\n00:00:00,500 --> 00:00:01,250\nfirst <i>line</i>\n\n"
                    + "2\n00:00:02,000 --> 00:00:02,800\nsecond\n";

    @Test
    void embeddedSubtitleStreamIsPublishedAsCaptions() throws Exception {
        Path dir = IngestFixtures.mediaDir();
        Path srt = Files.writeString(dir.resolve("embedded-source.srt"), SRT);
        Path clip =
                ffmpeg(
                        "-f lavfi -i testsrc2=size=160x120:rate=25:duration=3 -i "
                                + srt
                                + " -map 0 -map 1 -c:v mjpeg -c:s srt",
                        dir.resolve("with-subtitles.mkv"));

        List<TextEvent> texts = ingest("embedded", clip);
        assertThat(texts).extracting(TextEvent::getText).containsExactly("first line", "second");
        assertThat(texts).allSatisfy(t -> assertThat(t.getKind()).isEqualTo(TextKind.CAPTION));
        assertThat(texts.get(0).getEventTimeUs()).isEqualTo(START_US + 500_000);
        assertThat(texts.get(0).getDurationUs()).isEqualTo(750_000);
        assertThat(texts.get(1).getEventTimeUs()).isEqualTo(START_US + 2_000_000);
    }

    @Test
    void vttAndJsonlSidecarsAreMergedInTimeOrder() throws Exception {
        Path dir = IngestFixtures.mediaDir();
        Path clip =
                ffmpeg(
                        "-f lavfi -i testsrc2=size=160x120:rate=25:duration=3 -c:v mjpeg",
                        dir.resolve("sidecars.mkv"));
        Files.writeString(
                dir.resolve("sidecars.vtt"),
                "WEBVTT\n\n00:00.250 --> 00:01.000\nhello\n\n00:02.500 --> 00:02.900\nbye\n");
        Files.writeString(
                dir.resolve("sidecars.meta.jsonl"),
                "{\"t\": 1.0, \"duration\": 1.0, \"text\": \"scene\", \"features\": {\"crowd\": 0.5}}\n");

        List<TextEvent> texts = ingest("sidecars", clip);
        assertThat(texts).extracting(TextEvent::getText).containsExactly("hello", "scene", "bye");
        assertThat(texts.get(1).getKind()).isEqualTo(TextKind.METADATA);
        assertThat(texts.get(1).getFeatures()).isEqualTo(Map.of("crowd", 0.5));
        assertThat(texts.get(1).getEventTimeUs()).isEqualTo(START_US + 1_000_000);
        assertThat(texts.get(2).getEventTimeUs()).isEqualTo(START_US + 2_500_000);
    }

    private static List<TextEvent> ingest(String stream, Path clip) {
        Topics topics = Topics.create(KAFKA, "text-" + stream);
        topics.ingestOk("--stream-id", stream, clip.toString());
        assertThat(topics.frames()).hasSize(75);
        return topics.texts();
    }
}
