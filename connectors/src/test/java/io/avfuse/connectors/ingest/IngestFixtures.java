package io.avfuse.connectors.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.serde.AvroSerde;
import io.avfuse.connectors.serde.MalformedRecordException;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.connectors.testing.KafkaTestClients;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.VideoFrame;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Shared pieces of the ingest integration tests: media made by the system {@code ffmpeg} under
 * {@code target/media}, {@code ffprobe} as the oracle, the ingest command run in-process, and the
 * three topics read back and decoded.
 */
public final class IngestFixtures {
    /** 2026-01-01T00:00:00Z: the event-time anchor every test passes. */
    public static final String START = "2026-01-01T00:00:00Z";

    public static final long START_US = 1_767_225_600_000_000L;

    private IngestFixtures() {}

    /** A directory under the build directory for generated media (never committed). */
    public static Path mediaDir() throws IOException {
        return Files.createDirectories(
                Path.of(System.getProperty("avfuse.build.dir", "target"), "media"));
    }

    /** Runs a tool and returns its stdout; fails the test on a non-zero exit. */
    public static String tool(List<String> command) throws Exception {
        Process p =
                new ProcessBuilder(command)
                        .redirectError(ProcessBuilder.Redirect.PIPE)
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s failed: %s", command, err).isZero();
        return new String(out, StandardCharsets.UTF_8);
    }

    /** {@code ffmpeg -v error -y ARGS OUTPUT}: makes a clip; ARGS are split at spaces. */
    public static Path ffmpeg(String args, Path output) throws Exception {
        List<String> command = new ArrayList<>(List.of("ffmpeg", "-v", "error", "-y"));
        command.addAll(List.of(args.split(" +")));
        command.add(output.toString());
        tool(command);
        return output;
    }

    /** {@code ffprobe -v error ARGS -of csv=p=0 FILE}, stdout trimmed; ARGS are split at spaces. */
    public static String ffprobe(String args, Path file) throws Exception {
        List<String> command = new ArrayList<>(List.of("ffprobe", "-v", "error"));
        command.addAll(List.of(args.split(" +")));
        command.addAll(List.of("-of", "csv=p=0", file.toString()));
        return tool(command).strip();
    }

    /** A stream's {@code start_time} in seconds, as ffprobe reports it ({@code a} or {@code v}). */
    public static double startTime(Path file, String stream) throws Exception {
        return Double.parseDouble(
                ffprobe("-select_streams " + stream + " -show_entries stream=start_time", file));
    }

    /** What one in-process run of a command printed and returned. */
    public record Run(int exitCode, String out, String err) {
        public List<String> errLines() {
            return err.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    /** Runs {@code avfuse ingest ARGS} in this JVM, capturing stdout and stderr. */
    public static Run ingest(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code =
                IngestCommand.commandLine()
                        .setOut(new PrintWriter(out, true))
                        .setErr(new PrintWriter(err, true))
                        .execute(args.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    /** Three fresh topics on the shared broker, and the options that select them. */
    public record Topics(String bootstrap, String video, String audio, String text) {
        public static Topics create(KafkaBrokerExtension kafka, String prefix) {
            Topics t =
                    new Topics(
                            kafka.bootstrapServers(),
                            kafka.uniqueTopic(prefix + "-video"),
                            kafka.uniqueTopic(prefix + "-audio"),
                            kafka.uniqueTopic(prefix + "-text"));
            kafka.createTopics(1, (short) 1, t.video, t.audio, t.text);
            return t;
        }

        public List<String> options() {
            return List.of(
                    "--bootstrap-servers",
                    bootstrap,
                    "--video-topic",
                    video,
                    "--audio-topic",
                    audio,
                    "--text-topic",
                    text,
                    "--start-time",
                    START);
        }

        /** Runs ingest into these topics, without a progress bar, with {@code args} after. */
        public Run ingest(String... args) {
            List<String> all = new ArrayList<>(options());
            all.addAll(List.of("--progress", "never"));
            all.addAll(List.of(args));
            return IngestFixtures.ingest(all);
        }

        /** As {@link #ingest}, failing the test unless ingest exits with 0. */
        public Run ingestOk(String... args) {
            Run run = ingest(args);
            assertThat(run.exitCode()).as(run.err()).isZero();
            return run;
        }

        public List<VideoFrame> frames() {
            return read(video, RecordType.VIDEO_FRAME);
        }

        public List<AudioChunk> chunks() {
            return read(audio, RecordType.AUDIO_CHUNK);
        }

        public List<TextEvent> texts() {
            return read(text, RecordType.TEXT_EVENT);
        }

        private <T extends SpecificRecord> List<T> read(String topic, RecordType<T> type) {
            AvroSerde<T> serde = AvroSerde.of(type, WireFormat.SINGLE_OBJECT);
            List<T> records = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r :
                    KafkaTestClients.readAll(bootstrap, topic, false, Duration.ofSeconds(30))) {
                try {
                    T record = serde.decode(r.value());
                    assertThat(type.validator().problemWith(record)).as("valid %s", type).isNull();
                    assertThat(new String(r.key(), StandardCharsets.UTF_8))
                            .isEqualTo(type.keyOf(record));
                    records.add(record);
                } catch (MalformedRecordException e) {
                    throw new AssertionError("undecodable " + type + " in " + topic, e);
                }
            }
            return records;
        }
    }

    /** Sample frames in a chunk, from its byte count. */
    public static long sampleFrames(AudioChunk c) {
        int bytesPerSample = c.getSampleFormat() == io.avfuse.schemas.SampleFormat.F32LE ? 4 : 2;
        return c.getSamples().remaining() / ((long) bytesPerSample * c.getChannels());
    }
}
