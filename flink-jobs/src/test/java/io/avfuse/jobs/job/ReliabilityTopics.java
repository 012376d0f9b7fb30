package io.avfuse.jobs.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.ingest.KafkaRecordSink;
import io.avfuse.connectors.kafka.KafkaConnection;
import io.avfuse.connectors.kafka.TopicReader;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.schemas.Prediction;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * The topics of a reliability run (video and audio in, predictions and embeddings out with two
 * partitions each; text in and dead letters with one) and the job options that the exactly-once
 * ITCases share for {@link ReliabilityStreams}' 100 ms windows.
 *
 * <p>{@code ReliabilityTopics t = ReliabilityTopics.create(KAFKA, "eo"); t.jobOptions(model)}
 */
public record ReliabilityTopics(
        String bootstrap,
        String video,
        String audio,
        String text,
        String predictions,
        String embeddings,
        String deadLetters) {

    /** Creates fresh topics named after {@code prefix} on the broker. */
    public static ReliabilityTopics create(KafkaBrokerExtension kafka, String prefix) {
        FuseJobSettings.Topics n = FuseJobSettings.Topics.unique(kafka, prefix);
        ReliabilityTopics t =
                new ReliabilityTopics(
                        kafka.bootstrapServers(),
                        n.video(),
                        n.audio(),
                        n.text(),
                        n.predictions(),
                        n.embeddings(),
                        n.deadletter());
        kafka.createTopics(2, (short) 1, t.video, t.audio, t.predictions, t.embeddings);
        kafka.createTopics(1, (short) 1, t.text, t.deadLetters);
        return t;
    }

    /** The consumer group of the job's sources. */
    public String group() {
        return predictions + "-group";
    }

    /**
     * Job options ({@code key=value}) for these topics and {@code model}: 100 ms windows of {@link
     * ReliabilityStreams}, parallelism 2; a test adds its checkpoint and restart settings.
     */
    public List<String> jobOptions(Path model) {
        return new ArrayList<>(
                List.of(
                        "kafka.bootstrap-servers=" + bootstrap,
                        "kafka.group-id=" + group(),
                        "topics.video=" + video,
                        "topics.audio=" + audio,
                        "topics.text=" + text,
                        "topics.predictions=" + predictions,
                        "topics.embeddings=" + embeddings,
                        "topics.deadletter=" + deadLetters,
                        "model.dir=" + model,
                        "align.window=100ms",
                        "align.hop=100ms",
                        "align.frames-per-window=4",
                        "inference.batch-size=32",
                        "inference.max-wait=50ms",
                        // A restarted source is not idle before its first record or this
                        // start-up bound, which must exceed the time the sources take to resume:
                        // one declared idle meanwhile would let the others' watermark close the
                        // restored windows without it (docs/reliability.md). The empty text
                        // topic then holds windows back that long after every restart: room for
                        // them. A source that has delivered goes idle after 1 s, as in the other
                        // job tests.
                        "watermarks.idleness=1s",
                        "watermarks.idleness.startup=10s",
                        "align.max-pending-windows=256",
                        "job.parallelism=2"));
    }

    /** Media ingest's own producer (idempotent, {@code acks=all}) on the input topics. */
    public KafkaRecordSink ingestSink() {
        return new KafkaRecordSink(
                KafkaConnection.to(bootstrap), WireFormat.SINGLE_OBJECT, video, audio, text);
    }

    /** The {@code read_committed} reader of the prediction and embedding topics. */
    public CommittedWindows committedWindows() {
        return new CommittedWindows(bootstrap, predictions, embeddings);
    }

    /**
     * The checks after a run, once {@code out} holds every window: each window exactly once on both
     * topics, no dead letter (a replayed record arriving late would be one), the same content in
     * every stream, a fresh read of the predictions agreeing with {@code out} and none degraded,
     * and the sources' group offsets at the end of the input topics.
     */
    public void assertExactlyOnce(CommittedWindows out, ReliabilityStreams input, Properties admin)
            throws Exception {
        Set<String> expected = input.expectedWindows();
        out.assertExactlyOnce(expected);
        assertThat(TopicReader.readAll(bootstrap, deadLetters, true, Duration.ofSeconds(30)))
                .as("dead letters (a replayed record arriving late would be one)")
                .isEmpty();
        out.assertSameContentAcrossStreams(input);
        List<Prediction> fresh =
                TopicReader.readAll(
                        bootstrap, predictions, RecordType.PREDICTION, Duration.ofSeconds(30));
        assertThat(fresh)
                .as("a fresh read_committed read of the predictions")
                .filteredOn(p -> !p.getStreamId().equals(ReliabilityStreams.CLOCK))
                .hasSize(expected.size())
                .allSatisfy(p -> assertThat(p.getDegraded()).isFalse());
        ConsumerGroupOffsets.assertAtEnd(admin, group(), List.of(video, audio));
    }
}
