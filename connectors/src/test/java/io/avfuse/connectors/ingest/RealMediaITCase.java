package io.avfuse.connectors.ingest;

import static io.avfuse.connectors.ingest.IngestFixtures.ffprobe;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.ingest.IngestFixtures.Run;
import io.avfuse.connectors.ingest.IngestFixtures.Topics;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.FrameEncoding;
import io.avfuse.schemas.VideoFrame;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Debian's {@code opencv-doc} {@code Megamind.avi} (MPEG-4 720x528 23.976 fps + AC-3 48 kHz stereo,
 * last AC-3 frame truncated) ingests fully: frame count and audio duration match {@code ffprobe}.
 * {@code .ci/run} installs the package; nothing from it is committed.
 */
class RealMediaITCase {
    @RegisterExtension static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();

    static final Path MEGAMIND = Path.of("/usr/share/doc/opencv-doc/examples/data/Megamind.avi");

    @BeforeAll
    static void requireMedia() {
        assertThat(MEGAMIND).as("apt-get install opencv-doc (.ci/run does)").exists();
    }

    @Test
    void megamindFramesAndAudioMatchFfprobe() throws Exception {
        String m = MEGAMIND.toString();
        int ffprobeFrames =
                Integer.parseInt(
                        ffprobe(
                                "-select_streams v -count_frames -show_entries"
                                        + " stream=nb_read_frames",
                                MEGAMIND));
        // Decoded audio, frame by frame: what FFmpeg's AC-3 decoder actually produces.
        List<String> audioFrames =
                ffprobe("-select_streams a -show_entries frame=pts_time,nb_samples", MEGAMIND)
                        .lines()
                        .filter(l -> l.matches("[0-9.]+,[0-9]+,?"))
                        .toList();
        long decodedSamples =
                audioFrames.stream().mapToLong(l -> Long.parseLong(l.split(",")[1])).sum();
        double decodedSeconds = decodedSamples / 48_000.0;
        double firstAudioPts = Double.parseDouble(audioFrames.get(0).split(",")[0]);
        // The container's view: last packet's pts + duration, including the truncated frame.
        String lastPacket =
                ffprobe("-select_streams a -show_entries packet=pts_time,duration_time", MEGAMIND)
                        .lines()
                        .reduce((a, b) -> b)
                        .orElseThrow();
        double containerEnd =
                Double.parseDouble(lastPacket.split(",")[0])
                        + Double.parseDouble(lastPacket.split(",")[1]);

        Topics topics = Topics.create(KAFKA, "megamind");
        Run run = topics.ingestOk("--stream-id", "megamind", "--width", "360", m);
        assertThat(run.out()).contains("stream megamind: 270 frames (360x264 JPEG)");

        List<VideoFrame> frames = topics.frames();
        List<AudioChunk> chunks = topics.chunks();
        assertThat(frames).hasSize(ffprobeFrames).hasSize(270);
        assertThat(frames)
                .allSatisfy(f -> assertThat(f.getEncoding()).isEqualTo(FrameEncoding.JPEG));
        PtsFidelityITCase.assertTilesExactly(chunks);
        double ingestedSeconds = PtsFidelityITCase.audioSeconds(chunks);
        // Same decoder: the resampler's filter tail (< 2 ms) is all that may differ.
        assertThat(ingestedSeconds).isCloseTo(decodedSeconds, within(0.003));
        double audioEnd =
                (chunks.get(0).getStartTimeUs() - IngestFixtures.START_US) / 1e6 + ingestedSeconds;
        assertThat(chunks.get(0).getStartTimeUs() - IngestFixtures.START_US)
                .isCloseTo(Math.round(firstAudioPts * 1e6), within(1_000L));
        // The truncated last AC-3 frame (32 ms) cannot be decoded by anyone: the container's end
        // is within one AC-3 frame of what was ingested.
        assertThat(audioEnd).isCloseTo(containerEnd, within(0.033));
        assertThat(Files.size(MEGAMIND)).isPositive();
    }
}
