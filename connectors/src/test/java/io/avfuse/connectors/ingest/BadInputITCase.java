package io.avfuse.connectors.ingest;

import static io.avfuse.connectors.ingest.IngestFixtures.ffmpeg;
import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.ingest.IngestFixtures.Run;
import io.avfuse.connectors.ingest.IngestFixtures.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Bad input gives one clear stderr line and a non-zero exit; odd but valid input still works. */
class BadInputITCase {
    @RegisterExtension static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();

    private static Topics topics;
    private static Path good;

    @BeforeAll
    static void setUp() throws Exception {
        topics = Topics.create(KAFKA, "bad-input");
        good =
                ffmpeg(
                        "-f lavfi -i testsrc2=size=160x120:rate=25:duration=2 -f lavfi -i"
                                + " sine=duration=2 -c:v mpeg4 -c:a aac",
                        IngestFixtures.mediaDir().resolve("good.mp4"));
    }

    private static Run ingest(String... extra) {
        return topics.ingest(extra);
    }

    private static void assertOneLineError(Run run, int exitCode, String... fragments) {
        assertThat(run.exitCode()).as(run.err()).isEqualTo(exitCode);
        assertThat(run.errLines()).hasSize(1);
        assertThat(run.errLines().get(0)).startsWith("avfuse ingest: ").contains(fragments);
        assertThat(run.out()).isEmpty();
    }

    @Test
    void missingFile() {
        Path missing = good.resolveSibling("no-such-clip.mp4");
        assertOneLineError(
                ingest(missing.toString()), 1, "cannot read '" + missing + "': no such file");
    }

    @Test
    void nonMediaFile() throws Exception {
        Path text = good.resolveSibling("notes.mp4");
        Files.writeString(text, "this is not a video\n".repeat(200), StandardCharsets.UTF_8);
        assertOneLineError(
                ingest(text.toString()),
                1,
                "cannot read '" + text + "' as media: Invalid data found when processing input");
    }

    @Test
    void truncatedFile() throws Exception {
        Path truncated = good.resolveSibling("truncated.mp4");
        byte[] bytes = Files.readAllBytes(good);
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        assertOneLineError(
                ingest(truncated.toString()),
                1,
                "cannot read '" + truncated + "' as media",
                "truncated");
    }

    @Test
    void audioOnlyFileNeedsNoVideo() throws Exception {
        Path audio = good.resolveSibling("audio-only.wav");
        ffmpeg("-f lavfi -i sine=duration=1", audio);
        assertOneLineError(ingest(audio.toString()), 1, "has no video stream; pass --no-video");
        Run run = ingest("--no-video", "--stream-id", "audio-only", audio.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        // 1 s of audio, less the resampler's unflushed filter tail (< 2 ms).
        assertThat(run.out())
                .containsPattern("stream audio-only: 0 frames .*, (1\\.000|0\\.99\\d) s audio");
    }

    @Test
    void videoOnlyFileIngestsWithAWarning() throws Exception {
        Path video = good.resolveSibling("video-only.mp4");
        ffmpeg("-f lavfi -i testsrc2=size=160x120:rate=25:duration=1 -c:v mpeg4", video);
        Run run = ingest("--stream-id", "video-only", video.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.errLines())
                .containsExactly(
                        "avfuse ingest: warning: '"
                                + video
                                + "' has no audio track; ingesting video only");
        assertThat(run.out()).contains("stream video-only: 25 frames", "0.000 s audio");
    }

    @Test
    void frameLargerThanMaxRequestSizeNamesTheOptions() {
        Run run =
                ingest(
                        "--encoding",
                        "rgb",
                        "--kafka-property",
                        "max.request.size=40000",
                        good.toString());
        assertOneLineError(
                run,
                3,
                "VideoFrame 0 of stream good",
                "max.request.size (40000 bytes)",
                "--width/--height, --encoding jpeg",
                "--kafka-property max.request.size=BYTES",
                "max.message.bytes");
    }

    @Test
    void jpegFramesLargerThanMaxRequestSizeEndCleanlyWhileEncodesArePending() {
        // The first frame fails the size check while later frames are still being encoded on
        // the pool: closing it must wait for them, not free their codec contexts under them.
        Run run =
                ingest(
                        "--encoding",
                        "jpeg",
                        "--encode-threads",
                        "2",
                        "--chunk-ms",
                        "20",
                        "--kafka-property",
                        "max.request.size=1500",
                        good.toString());
        assertOneLineError(run, 3, "VideoFrame 0 of stream good", "max.request.size (1500 bytes)");
    }

    @Test
    void aMaxRequestSizeThatIsNotANumberIsOneLine() {
        Run run = ingest("--kafka-property", "max.request.size=1mb", good.toString());
        assertOneLineError(run, 3, "max.request.size=1mb is not a number of bytes");
    }
}
