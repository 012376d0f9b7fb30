package io.avfuse.jobs.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.broker.KafkaBroker;
import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.ingest.KafkaRecordSink;
import io.avfuse.connectors.kafka.KafkaConnection;
import io.avfuse.connectors.kafka.TopicReader;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.jobs.model.FusionInferenceTest;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.VideoFrame;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Losing a broker, after Kafka's replication system test: a 3-node KRaft cluster, every topic
 * replicated 3 times with {@code min.insync.replicas=2}. Media ingest's own producer ({@link
 * KafkaRecordSink}: idempotent, {@code acks=all}) publishes 10 streams of 150 windows while the
 * fusion job ({@link FuseJob#defineFromKafka}, unchanged) runs; a third of the way in, the leader
 * of the video partition is killed with SIGKILL (its child JVM, by pid). Then: ingest's flush
 * succeeded (every send was acknowledged), every acknowledged record is on its input topic exactly
 * once, and the job went on and committed every window exactly once ({@code read_committed}).
 */
class BrokerLossITCase {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerLossITCase.class);

    private static final int STREAMS = 10;
    private static final int WINDOWS = 150;
    private static final long WINDOW_US = 100_000;
    private static final int KILL_AFTER_WINDOW = 50;
    private static final Duration IDLENESS = Duration.ofSeconds(10);

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA =
            KafkaBrokerExtension.dedicated(
                    KafkaBroker.builder()
                            .nodes(3)
                            .brokerProperty("min.insync.replicas", "2")
                            // The controller fences a dead broker after this (9 s by default):
                            // shorter keeps the test short, the sequence of events is the same.
                            .brokerProperty("broker.session.timeout.ms", "4000")
                            .brokerProperty("broker.heartbeat.interval.ms", "1000"));

    @RegisterExtension static final MiniClusterExtension FLINK = JobRest.miniCluster();

    @TempDir Path tmp;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void killingThePartitionLeaderLosesNoAcknowledgedRecordAndNoWindow() throws Exception {
        long started = System.nanoTime();
        KafkaBroker kafka = KAFKA.broker();
        Path model = FusionInferenceTest.savedModel(tmp, 16, List.of("video", "audio"));
        String video = KAFKA.uniqueTopic("loss-video");
        String audio = KAFKA.uniqueTopic("loss-audio");
        String text = KAFKA.uniqueTopic("loss-text");
        String predictions = KAFKA.uniqueTopic("loss-predictions");
        String embeddings = KAFKA.uniqueTopic("loss-embeddings");
        String dlq = KAFKA.uniqueTopic("loss-deadletter");
        Map<String, String> durable = Map.of("min.insync.replicas", "2");
        KAFKA.createTopics(1, (short) 3, durable, video, audio, text, dlq);
        KAFKA.createTopics(2, (short) 3, durable, predictions, embeddings);

        JobConfig cfg =
                JobConfig.load(
                        null,
                        List.of(
                                "kafka.bootstrap-servers=" + KAFKA.bootstrapServers(),
                                "kafka.group-id=loss-it-" + predictions,
                                "topics.video=" + video,
                                "topics.audio=" + audio,
                                "topics.text=" + text,
                                "topics.predictions=" + predictions,
                                "topics.embeddings=" + embeddings,
                                "topics.deadletter=" + dlq,
                                "model.dir=" + model,
                                "align.window=100ms",
                                "align.hop=100ms",
                                "align.frames-per-window=4",
                                // The empty text topic holds the watermark for IDLENESS at the
                                // start: the windows of those 10 s must fit (default 32).
                                "align.max-pending-windows=256",
                                "inference.batch-size=32",
                                "inference.max-wait=50ms",
                                // Longer than the failover (session timeout + election):
                                // a partition whose leader died must not be declared idle,
                                // or the other modalities' watermark closes its windows
                                // without it and its records arrive late (docs/reliability.md).
                                "watermarks.idleness=" + IDLENESS.toMillis() + "ms",
                                // Also before the first record: the empty text topic then holds
                                // the windows for IDLENESS at the start, as the cap allows.
                                "watermarks.idleness.startup=" + IDLENESS.toMillis() + "ms",
                                "job.parallelism=2",
                                "job.checkpoint-interval=500ms",
                                "job.restart-attempts=20",
                                "job.restart-delay=1s",
                                "job.checkpoint-dir=" + tmp.resolve("checkpoints").toUri()));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        FuseJob.defineFromKafka(env, cfg, false);
        JobClient job = env.executeAsync("broker-loss");

        ReliabilityStreams input = new ReliabilityStreams(STREAMS, WINDOWS, WINDOW_US);
        Set<String> expected = input.expectedWindows();
        AtomicInteger killed = new AtomicInteger(-1);
        AtomicLong killedPid = new AtomicLong();
        List<String> leadersBefore = new ArrayList<>();
        try (KafkaRecordSink sink =
                        new KafkaRecordSink(
                                KafkaConnection.to(KAFKA.bootstrapServers()),
                                WireFormat.SINGLE_OBJECT,
                                video,
                                audio,
                                text);
                CommittedWindows out =
                        new CommittedWindows(KAFKA.bootstrapServers(), predictions, embeddings)) {
            AtomicLong ingestMs = new AtomicLong();
            CompletableFuture<Void> ingest =
                    CompletableFuture.runAsync(
                            () -> {
                                long t0 = System.nanoTime();
                                input.ingest(
                                        sink,
                                        TimeUnit.SECONDS.toNanos(15),
                                        w -> {
                                            if (w == KILL_AFTER_WINDOW) {
                                                leadersBefore.addAll(
                                                        leaders(kafka, video, audio, predictions));
                                                int leader = leader(kafka, video);
                                                killedPid.set(kafka.pid(leader));
                                                kafka.stopNode(leader); // SIGKILL by pid
                                                killed.set(leader);
                                            }
                                        });
                                ingestMs.set(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                            });
            // join: an ingest failure (a send that was never acknowledged) fails the test here.
            ingest.get(90, TimeUnit.SECONDS);
            assertThat(killed.get()).isBetween(0, 2);
            assertThat(kafka.isNodeRunning(killed.get())).isFalse();
            List<String> leadersAfter = leaders(kafka, video, audio, predictions);

            assertEveryRecordOnceOnItsTopic(input, video, audio);

            boolean all = out.awaitAll(expected, Duration.ofSeconds(120));
            assertThat(all)
                    .as(
                            "all %d windows committed after the broker loss; have %d",
                            expected.size(), out.complete(expected))
                    .isTrue();
            out.drain(Duration.ofSeconds(2));
            assertThat(job.getJobStatus().get(10, TimeUnit.SECONDS))
                    .as("the job is still running")
                    .isEqualTo(JobStatus.RUNNING);
            out.assertExactlyOnce(expected);
            assertThat(
                            TopicReader.readAll(
                                            KAFKA.bootstrapServers(),
                                            dlq,
                                            RecordType.DEAD_LETTER,
                                            Duration.ofSeconds(30))
                                    .stream()
                                    .map(d -> d.getStage() + ": " + d.getErrorMessage())
                                    .toList())
                    .as("dead letters (a record late because of the failover would be one)")
                    .isEmpty();
            out.assertSameContentAcrossStreams(input);
            LOG.info(
                    "broker loss: killed node {} (pid {}) after window {} of {}; leaders before {},"
                            + " after {}; ingest of {} records paced over 15000 ms took {} ms"
                            + " until every send was acknowledged; {}"
                            + " windows of {} streams committed exactly once, test {} s",
                    killed.get(),
                    killedPid.get(),
                    KILL_AFTER_WINDOW,
                    WINDOWS,
                    leadersBefore,
                    leadersAfter,
                    STREAMS * input.recordsPerStream() + 2,
                    ingestMs.get(),
                    expected.size(),
                    STREAMS,
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
    }

    /** Every frame and chunk ingest sent (and had acknowledged) is on its topic, exactly once. */
    private static void assertEveryRecordOnceOnItsTopic(
            ReliabilityStreams input, String videoTopic, String audioTopic) throws Exception {
        List<VideoFrame> frames =
                TopicReader.readAll(
                        KAFKA.bootstrapServers(),
                        videoTopic,
                        RecordType.VIDEO_FRAME,
                        Duration.ofSeconds(60));
        List<AudioChunk> chunks =
                TopicReader.readAll(
                        KAFKA.bootstrapServers(),
                        audioTopic,
                        RecordType.AUDIO_CHUNK,
                        Duration.ofSeconds(60));
        Map<String, Integer> frameCopies = new TreeMap<>();
        frames.forEach(
                f -> frameCopies.merge(f.getStreamId() + "#" + f.getFrameIndex(), 1, Integer::sum));
        Map<String, Integer> chunkCopies = new TreeMap<>();
        chunks.forEach(
                c -> chunkCopies.merge(c.getStreamId() + "#" + c.getChunkIndex(), 1, Integer::sum));
        Set<String> sentFrames = new TreeSet<>();
        Set<String> sentChunks = new TreeSet<>();
        for (int s = 0; s < input.streams; s++) {
            for (int w = 0; w < input.windows; w++) {
                sentFrames.add(ReliabilityStreams.stream(s) + "#" + (2 * w));
                sentFrames.add(ReliabilityStreams.stream(s) + "#" + (2 * w + 1));
                sentChunks.add(ReliabilityStreams.stream(s) + "#" + w);
            }
        }
        sentFrames.add(ReliabilityStreams.CLOCK + "#0");
        sentChunks.add(ReliabilityStreams.CLOCK + "#0");
        assertThat(frameCopies.keySet())
                .as("acknowledged frames on the topic")
                .isEqualTo(sentFrames);
        assertThat(chunkCopies.keySet())
                .as("acknowledged chunks on the topic")
                .isEqualTo(sentChunks);
        assertThat(frameCopies.values()).as("copies of each frame").containsOnly(1);
        assertThat(chunkCopies.values()).as("copies of each chunk").containsOnly(1);
    }

    private static int leader(KafkaBroker kafka, String topic) {
        return describe(kafka, topic).partitions().get(0).leader().id();
    }

    private static List<String> leaders(KafkaBroker kafka, String... topics) {
        List<String> out = new ArrayList<>();
        for (String topic : topics) {
            TopicDescription d = describe(kafka, topic);
            Map<Integer, Integer> byPartition = new HashMap<>();
            d.partitions()
                    .forEach(
                            p ->
                                    byPartition.put(
                                            p.partition(),
                                            p.leader() == null ? -1 : p.leader().id()));
            out.add(topic.replaceAll("-[0-9]+-[0-9a-f]{8}$", "") + "=" + byPartition);
        }
        return out;
    }

    private static TopicDescription describe(KafkaBroker kafka, String topic) {
        try (Admin admin = Admin.create(kafka.adminProperties())) {
            return admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get(30, TimeUnit.SECONDS)
                    .get(topic);
        } catch (Exception e) {
            throw new IllegalStateException("cannot describe " + topic, e);
        }
    }
}
