package io.avfuse.jobs.job;

import static io.avfuse.jobs.align.AlignFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.kafka.TopicReader;
import io.avfuse.connectors.serde.AvroSerde;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.connectors.testing.KafkaTestClients;
import io.avfuse.schemas.AlignedWindow;
import io.avfuse.schemas.DeadLetter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A source whose first records reach the job seconds after it started, as a restored consumer's
 * first fetch does after a failover or under load, must not be closed out of its windows: the
 * alignment job (real broker, unbounded Kafka sources, parallelism 2, 1 s idleness) reads video at
 * once and audio only later. With the start-up bound ({@code watermarks.idleness.startup}) every
 * window keeps its audio; without it (the bound equal to the idleness, Flink's own behaviour) the
 * same run closes the windows on video alone and the audio becomes late dead letters, which shows
 * that the first case is not passing by luck.
 */
class SlowSourceStartITCase {
    @RegisterExtension static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();

    @RegisterExtension static final MiniClusterExtension FLINK = JobRest.miniCluster();

    private static final int SECONDS = 4;
    private static final List<String> STREAMS = List.of("cam-0", "cam-1");

    /** When the audio is sent after the job's submission; well inside the start-up bound. */
    private static final Duration AUDIO_DELAY = Duration.ofSeconds(4);

    @Test
    void aSourceThatDeliversLateKeepsItsWindowsWithinTheStartupBound() throws Exception {
        Run run = new Run("slow-start", "15s");
        JobClient job = run.start();
        try {
            Thread.sleep(AUDIO_DELAY.toMillis());
            assertThat(readAligned(run.aligned, false))
                    .as("no window before the audio arrived: the audio source holds them")
                    .isEmpty();
            KafkaTestClients.produce(KAFKA.bootstrapServers(), run.audio);

            List<AlignedWindow> windows = run.awaitWindows();
            assertThat(windows).hasSize(STREAMS.size() * SECONDS);
            assertThat(windows).extracting(w -> w.getPresence().getVideo()).containsOnly(true);
            assertThat(windows).extracting(w -> w.getPresence().getAudio()).containsOnly(true);
            assertThat(windows).extracting(w -> w.getAudio().getCoverage()).containsOnly(1f);
            assertThat(run.deadLetters()).isEmpty();
        } finally {
            job.cancel().get();
        }
    }

    @Test
    void withoutTheStartupBoundTheSameSourceIsClosedOutOfItsWindows() throws Exception {
        Run run = new Run("no-startup", "1s");
        JobClient job = run.start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (readAligned(run.aligned, false).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(readAligned(run.aligned, false))
                    .as("windows closed on video alone, the audio source counted as idle")
                    .isNotEmpty();
            KafkaTestClients.produce(KAFKA.bootstrapServers(), run.audio);

            List<AlignedWindow> windows = run.awaitWindows();
            assertThat(windows).extracting(w -> w.getPresence().getAudio()).contains(false);
            assertThat(run.deadLetters())
                    .as("audio of windows already emitted")
                    .isNotEmpty()
                    .allSatisfy(
                            d -> {
                                assertThat(d.getStage()).isEqualTo("align");
                                assertThat(d.getSourceTopic()).isEqualTo(run.scenario.audio);
                            });
        } finally {
            job.cancel().get();
        }
    }

    /** One job over fresh topics: video sent before it starts, audio left to the test. */
    private static final class Run {
        final Scenario scenario;
        final String aligned;
        final String dlq;
        final List<ProducerRecord<byte[], byte[]>> audio = new ArrayList<>();
        private final String startup;
        private long submittedNanos;

        Run(String prefix, String startup) throws Exception {
            this.startup = startup;
            scenario = new Scenario(KAFKA, prefix);
            for (String stream : STREAMS) {
                scenario.av(stream, SECONDS, null, 0);
            }
            aligned = KAFKA.uniqueTopic(prefix + "-aligned");
            dlq = KAFKA.uniqueTopic(prefix + "-deadletter");
            KAFKA.createTopics(1, (short) 1, aligned, dlq);
            List<ProducerRecord<byte[], byte[]>> now = new ArrayList<>();
            for (ProducerRecord<byte[], byte[]> r : scenario.withClock()) {
                (r.topic().equals(scenario.audio) ? audio : now).add(r);
            }
            KafkaTestClients.produce(KAFKA.bootstrapServers(), now);
        }

        JobClient start() throws Exception {
            JobConfig cfg =
                    JobConfig.load(
                            null,
                            List.of(
                                    "kafka.bootstrap-servers=" + KAFKA.bootstrapServers(),
                                    "kafka.group-id=slow-start-it-" + aligned,
                                    "topics.video=" + scenario.video,
                                    "topics.audio=" + scenario.audio,
                                    "topics.text=" + scenario.text,
                                    "topics.aligned=" + aligned,
                                    "topics.deadletter=" + dlq,
                                    "topics.write-aligned=true",
                                    "watermarks.idleness=1s",
                                    "watermarks.idleness.startup=" + startup,
                                    // Only the watermark may close windows here (the clock
                                    // stream's stays pending).
                                    "align.idle-flush=0s",
                                    "job.parallelism=2",
                                    "job.checkpoint-interval=500ms"));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            AlignJob.configure(env, cfg);
            AlignJob.KafkaInputs in = AlignJob.kafkaSources(cfg);
            AlignJob.sinks(
                    AlignmentPipeline.define(env, cfg, in.video(), in.audio(), in.text()),
                    cfg,
                    cfg.kafka());
            submittedNanos = System.nanoTime();
            return env.executeAsync("slow-source-start-it");
        }

        /** The committed windows of the streams, once all are there and a few checkpoints on. */
        List<AlignedWindow> awaitWindows() throws Exception {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (readAligned(aligned, true).size() < STREAMS.size() * SECONDS
                    && System.nanoTime() < deadline) {
                Thread.sleep(500);
            }
            double allCommittedS = (System.nanoTime() - submittedNanos) / 1e9;
            Thread.sleep(2_000); // several more checkpoints: nothing more may appear
            List<AlignedWindow> windows = readAligned(aligned, true);
            System.out.printf(
                    "[slow-start] start-up bound %s: %d windows committed %.1f s after the job was"
                            + " submitted, %d of them with audio%n",
                    startup,
                    windows.size(),
                    allCommittedS,
                    windows.stream().filter(w -> w.getPresence().getAudio()).count());
            assertThat(windows)
                    .extracting(AlignedWindow::getStreamId)
                    .containsOnlyElementsOf(STREAMS);
            assertThat(windows)
                    .extracting(AlignedWindow::getWindowStartUs)
                    .allMatch(start -> start >= T0 && start < T0 + SECONDS * 1_000_000L);
            return windows;
        }

        List<DeadLetter> deadLetters() throws Exception {
            return TopicReader.readAll(
                    KAFKA.bootstrapServers(), dlq, RecordType.DEAD_LETTER, Duration.ofSeconds(30));
        }
    }

    private static List<AlignedWindow> readAligned(String topic, boolean committed)
            throws Exception {
        AvroSerde<AlignedWindow> serde =
                AvroSerde.of(RecordType.ALIGNED_WINDOW, WireFormat.SINGLE_OBJECT);
        List<AlignedWindow> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r :
                KafkaTestClients.readAll(
                        KAFKA.bootstrapServers(), topic, committed, Duration.ofSeconds(30))) {
            out.add(serde.decode(r.value()));
        }
        return out;
    }
}
