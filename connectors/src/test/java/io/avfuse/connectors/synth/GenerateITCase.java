package io.avfuse.connectors.synth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.ingest.IngestFixtures;
import io.avfuse.connectors.ingest.IngestFixtures.Topics;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.TextKind;
import io.avfuse.schemas.VideoFrame;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code generate} makes clips whose labels, SRT and metadata agree with what {@code ingest}
 * publishes: window count, text and metadata events, and absent modalities (black frames, silent
 * chunks) exactly where the labels say.
 */
class GenerateITCase {
    @RegisterExtension static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WINDOWS = 8;

    @Test
    void generatedClipsIngestAsLabeled() throws Exception {
        Path out = IngestFixtures.mediaDir().resolve("bench");
        StringWriter printed = new StringWriter();
        assertThat(generate(out, 2, printed)).as(printed.toString()).isZero();
        assertThat(printed.toString())
                .contains("Bayes-optimal accuracy", "video+audio+text+metadata");
        for (String f :
                List.of(
                        "classes.json",
                        "clip1.mp4",
                        "clip1.srt",
                        "clip1.meta.jsonl",
                        "clip1.labels.json")) {
            assertThat(out.resolve(f)).isNotEmptyFile();
        }
        assertThat(JSON.readTree(out.resolve("classes.json").toFile()).get("classes")).hasSize(8);

        // Same seed, same clip: the generator is deterministic.
        Path again = IngestFixtures.mediaDir().resolve("bench-again");
        assertThat(generate(again, 1, new StringWriter())).isZero();
        assertThat(Files.readString(again.resolve("clip0.labels.json")))
                .isEqualTo(Files.readString(out.resolve("clip0.labels.json")));
        assertThat(Files.readString(again.resolve("clip0.srt")))
                .isEqualTo(Files.readString(out.resolve("clip0.srt")));

        JsonNode labels = JSON.readTree(out.resolve("clip0.labels.json").toFile());
        JsonNode windows = labels.get("windows");
        assertThat(windows).hasSize(WINDOWS);

        Topics topics = Topics.create(KAFKA, "generated");
        topics.ingestOk(
                "--stream-id", "clip0", "--chunk-ms", "100", out.resolve("clip0.mp4").toString());

        List<VideoFrame> frames = topics.frames();
        List<AudioChunk> chunks = topics.chunks();
        List<TextEvent> texts = topics.texts();
        assertThat(frames).hasSize(WINDOWS * 25);
        double audioSeconds =
                chunks.stream().mapToLong(IngestFixtures::sampleFrames).sum() / 16_000.0;
        assertThat(audioSeconds).isCloseTo(WINDOWS, within(0.05));

        List<TextEvent> captions =
                texts.stream().filter(t -> t.getKind() == TextKind.CAPTION).toList();
        List<TextEvent> metadata =
                texts.stream().filter(t -> t.getKind() == TextKind.METADATA).toList();
        int withText = 0;
        int withMetadata = 0;
        for (JsonNode w : windows) {
            int index = w.get("index").asInt();
            long windowStart = IngestFixtures.START_US + index * 1_000_000L;
            if (w.get("present").get("text").asBoolean()) {
                TextEvent caption = captions.get(withText++);
                assertThat(caption.getText()).isEqualTo(w.get("caption").asText());
                assertThat(caption.getEventTimeUs()).isEqualTo(windowStart + 100_000);
                assertThat(caption.getDurationUs()).isEqualTo(800_000);
            }
            if (w.get("present").get("metadata").asBoolean()) {
                TextEvent meta = metadata.get(withMetadata++);
                assertThat(meta.getEventTimeUs()).isEqualTo(windowStart);
                assertThat(meta.getFeatures())
                        .containsKeys("scene_x", "scene_y", "temperature", "crowd");
            }
            // Absent video is black; present video has its grey background.
            double brightness = meanBrightness(frames.get(index * 25 + 12));
            if (w.get("present").get("video").asBoolean()) {
                assertThat(brightness).as("window %d video present", index).isGreaterThan(30);
            } else {
                assertThat(brightness).as("window %d video absent", index).isLessThan(8);
            }
            // Absent audio is silence; present audio has at least the background noise.
            double rms = rms(chunks, windowStart + 200_000, windowStart + 800_000);
            if (w.get("present").get("audio").asBoolean()) {
                assertThat(rms).as("window %d audio present", index).isGreaterThan(0.01);
            } else {
                assertThat(rms).as("window %d audio absent", index).isLessThan(0.003);
            }
        }
        assertThat(captions).hasSize(withText);
        assertThat(metadata).hasSize(withMetadata);
        assertThat(withText).as("some windows without text at absence 0.3").isLessThan(WINDOWS);
    }

    private static int generate(Path out, int clips, StringWriter printed) {
        return GenerateCommand.commandLine()
                .setOut(new PrintWriter(printed, true))
                .execute(
                        "--out",
                        out.toString(),
                        "--clips",
                        "" + clips,
                        "--windows",
                        "" + WINDOWS,
                        "--seed",
                        "11",
                        "--absence",
                        "0.3");
    }

    private static double meanBrightness(VideoFrame frame) throws Exception {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(frame.getData().array()));
        long sum = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                sum += ((rgb >> 16) & 255) + ((rgb >> 8) & 255) + (rgb & 255);
            }
        }
        return sum / (3.0 * image.getWidth() * image.getHeight());
    }

    /** RMS of the S16LE mono samples between two event times. */
    private static double rms(List<AudioChunk> chunks, long fromUs, long toUs) {
        double sum = 0;
        long n = 0;
        for (AudioChunk c : chunks) {
            ByteBuffer s = c.getSamples().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            long count = IngestFixtures.sampleFrames(c);
            for (int i = 0; i < count; i++) {
                long t = c.getStartTimeUs() + i * 1_000_000L / c.getSampleRate();
                if (t >= fromUs && t < toUs) {
                    double v = s.getShort(2 * i) / 32768.0;
                    sum += v * v;
                    n++;
                }
            }
        }
        return Math.sqrt(sum / Math.max(1, n));
    }
}
