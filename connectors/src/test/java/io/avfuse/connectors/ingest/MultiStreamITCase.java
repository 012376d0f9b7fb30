package io.avfuse.connectors.ingest;

import static io.avfuse.connectors.ingest.IngestFixtures.ffmpeg;
import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.ingest.IngestFixtures.Run;
import io.avfuse.connectors.ingest.IngestFixtures.Topics;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.VideoFrame;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Several inputs become several streams, each with its own key, indexes and exact tiling. */
class MultiStreamITCase {
    @RegisterExtension static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();

    @Test
    void twoFilesTwoStreamsWithLoopAndResize() throws Exception {
        Path a =
                ffmpeg(
                        "-f lavfi -i testsrc2=size=320x240:rate=25:duration=2 -f lavfi -i"
                                + " sine=duration=2 -c:v mpeg4 -c:a aac",
                        IngestFixtures.mediaDir().resolve("cam-a.mp4"));
        Path b =
                ffmpeg(
                        "-f lavfi -i testsrc2=size=320x240:rate=10:duration=2 -f lavfi -i"
                                + " sine=f=880:duration=2 -c:v mjpeg -c:a pcm_s16le",
                        IngestFixtures.mediaDir().resolve("cam-b.mkv"));
        Topics topics = Topics.create(KAFKA, "multi");
        Run run =
                topics.ingestOk(
                        "--fps",
                        "5",
                        "--width",
                        "160",
                        "--loops",
                        "2",
                        "--chunk-ms",
                        "50",
                        a.toString(),
                        b.toString());
        assertThat(run.out())
                .contains("stream cam-a: 20 frames (160x120 JPEG)", "stream cam-b: 20 frames");

        Map<String, List<VideoFrame>> frames =
                topics.frames().stream().collect(Collectors.groupingBy(VideoFrame::getStreamId));
        Map<String, List<AudioChunk>> chunks =
                topics.chunks().stream().collect(Collectors.groupingBy(AudioChunk::getStreamId));
        assertThat(frames.keySet()).containsExactlyInAnyOrder("cam-a", "cam-b");
        for (List<VideoFrame> stream : frames.values()) {
            assertThat(stream).hasSize(20); // 5 fps x 2 s x 2 passes
            for (int n = 0; n < stream.size(); n++) {
                assertThat(stream.get(n).getFrameIndex()).isEqualTo(n);
                assertThat(stream.get(n).getWidth()).isEqualTo(160);
                if (n > 0) {
                    long step = stream.get(n).getEventTimeUs() - stream.get(n - 1).getEventTimeUs();
                    if (n == 10) {
                        // The second pass starts where the first ended: after its last video
                        // frame and its last audio sample (AAC adds up to ~21 ms of padding).
                        assertThat(step).isBetween(200_000L, 225_000L);
                    } else {
                        assertThat(step).as("5 fps within a pass").isEqualTo(200_000);
                    }
                }
            }
        }
        // Within one pass chunks tile exactly; indexes run on across passes.
        for (Map.Entry<String, List<AudioChunk>> e : chunks.entrySet()) {
            List<AudioChunk> stream = e.getValue();
            for (int n = 0; n < stream.size(); n++) {
                assertThat(stream.get(n).getChunkIndex()).isEqualTo(n);
            }
            long secondPassStart = frames.get(e.getKey()).get(10).getEventTimeUs();
            int firstPass =
                    (int) stream.stream().filter(c -> c.getStartTimeUs() < secondPassStart).count();
            assertThat(stream.size() - firstPass).as("2 s of 50 ms chunks").isBetween(39, 41);
            PtsFidelityITCase.assertTilesExactly(stream.subList(0, firstPass));
        }
    }
}
