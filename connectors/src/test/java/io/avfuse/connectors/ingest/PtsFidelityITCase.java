package io.avfuse.connectors.ingest;

import static io.avfuse.connectors.ingest.IngestFixtures.START_US;
import static io.avfuse.connectors.ingest.IngestFixtures.ffmpeg;
import static io.avfuse.connectors.ingest.IngestFixtures.sampleFrames;
import static io.avfuse.connectors.ingest.IngestFixtures.startTime;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.ingest.IngestFixtures.Run;
import io.avfuse.connectors.ingest.IngestFixtures.Topics;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.VideoFrame;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Clips made by the system {@code ffmpeg} with a known audio offset ({@code -itsoffset 0.5}) arrive
 * in Kafka with that offset, and their audio chunks tile time exactly.
 */
class PtsFidelityITCase {
    @RegisterExtension static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();

    private static final long FRAME_US = 40_000; // 25 fps

    /** 4 s of 25 fps video and, 0.5 s in, 3 s of a 48 kHz sine; {@code codecs} picks the rest. */
    private static Path offsetClip(String name, String codecs) throws Exception {
        return ffmpeg(
                "-f lavfi -i testsrc2=size=160x120:rate=25:duration=4 -itsoffset 0.5 -f lavfi -i"
                        + " sine=frequency=440:sample_rate=48000:duration=3 "
                        + codecs,
                IngestFixtures.mediaDir().resolve(name));
    }

    /** Matroska + PCM: no codec priming, so the audio starts exactly at the 0.5 s offset. */
    @Test
    void audioOffsetSurvivesToWithinOneMillisecond() throws Exception {
        Path clip = offsetClip("offset-500ms.mkv", "-c:v mjpeg -q:v 8 -c:a pcm_s16le");
        assertThat(startTime(clip, "a")).isEqualTo(0.5);

        Topics topics = Topics.create(KAFKA, "pts-mkv");
        Run run = ingestClip(topics, clip, "--chunk-ms", "20");
        assertThat(run.exitCode()).as(run.err()).isZero();

        List<VideoFrame> frames = topics.frames();
        List<AudioChunk> chunks = topics.chunks();
        assertThat(frames).hasSize(100);
        for (int n = 0; n < frames.size(); n++) {
            assertThat(frames.get(n).getFrameIndex()).isEqualTo(n);
            assertThat(frames.get(n).getEventTimeUs()).isEqualTo(START_US + n * FRAME_US);
        }
        long offsetUs = chunks.get(0).getStartTimeUs() - frames.get(0).getEventTimeUs();
        assertThat(offsetUs).as("audio offset in Kafka, µs").isCloseTo(500_000L, within(1_000L));
        assertTilesExactly(chunks);
        assertThat(audioSeconds(chunks)).isCloseTo(3.0, within(0.002));
    }

    /**
     * MP4 + AAC: the AAC encoder's 1024 priming samples put the first audio packet at 0.5 s - 21.3
     * ms, as ffprobe reports; ingest must reproduce ffprobe's start to within 1 ms.
     */
    @Test
    void aacOffsetMatchesFfprobe() throws Exception {
        Path clip = offsetClip("offset-500ms.mp4", "-c:v mpeg4 -c:a aac");
        long ffprobeOffsetUs = Math.round((startTime(clip, "a") - startTime(clip, "v")) * 1e6);

        Topics topics = Topics.create(KAFKA, "pts-mp4");
        Run run = ingestClip(topics, clip, "--chunk-ms", "100", "--sample-format", "f32le");
        assertThat(run.exitCode()).as(run.err()).isZero();

        List<VideoFrame> frames = topics.frames();
        List<AudioChunk> chunks = topics.chunks();
        assertThat(frames).hasSize(100);
        long offsetUs = chunks.get(0).getStartTimeUs() - frames.get(0).getEventTimeUs();
        assertThat(offsetUs)
                .as("audio offset in Kafka vs ffprobe start times")
                .isCloseTo(ffprobeOffsetUs, within(1_000L));
        assertThat(Math.abs(offsetUs - 500_000))
                .as("within one frame of -itsoffset")
                .isLessThan(FRAME_US);
        assertTilesExactly(chunks);
    }

    private static Run ingestClip(Topics topics, Path clip, String... extra) {
        List<String> args = new ArrayList<>(List.of("--stream-id", "pts"));
        args.addAll(List.of(extra));
        args.add(clip.toString());
        return topics.ingest(args.toArray(String[]::new));
    }

    /** Chunk n+1 starts exactly where chunk n's samples end: no gap, no overlap. */
    static void assertTilesExactly(List<AudioChunk> chunks) {
        assertThat(chunks).isNotEmpty();
        long samplesBefore = 0;
        AudioChunk first = chunks.get(0);
        for (int n = 0; n < chunks.size(); n++) {
            AudioChunk c = chunks.get(n);
            assertThat(c.getChunkIndex()).isEqualTo(n);
            long expected =
                    first.getStartTimeUs()
                            + Math.floorDiv(samplesBefore * 1_000_000L, c.getSampleRate());
            assertThat(c.getStartTimeUs()).as("start of chunk %d", n).isEqualTo(expected);
            if (n + 1 < chunks.size()) {
                assertThat(sampleFrames(c))
                        .as("all but the last chunk are full")
                        .isEqualTo(sampleFrames(first));
            }
            samplesBefore += sampleFrames(c);
        }
    }

    static double audioSeconds(List<AudioChunk> chunks) {
        return chunks.stream().mapToLong(IngestFixtures::sampleFrames).sum()
                / (double) chunks.get(0).getSampleRate();
    }
}
