package io.avfuse.jobs.job;

import static io.avfuse.jobs.align.AlignFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.kafka.KafkaConnection;
import io.avfuse.connectors.kafka.TopicReader;
import io.avfuse.connectors.serde.AvroSerde;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.connectors.testing.KafkaTestClients;
import io.avfuse.jobs.align.AlignFixtures;
import io.avfuse.jobs.align.Modality;
import io.avfuse.jobs.align.ModalityEvent;
import io.avfuse.schemas.AlignedWindow;
import io.avfuse.schemas.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Several streams with known timestamps go through a real broker and the alignment job on a
 * MiniCluster (unbounded Kafka sources, exactly-once sinks, parallelism 2). One stream loses its
 * audio halfway, one has captions, one metadata; the text topic has partitions that never see a
 * record, so only source idleness lets the watermark advance. The aligned topic, read with
 * read_committed, must hold exactly the expected windows: count, membership and masks.
 */
class AlignmentPipelineITCase {
    @RegisterExtension static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();

    @RegisterExtension static final MiniClusterExtension FLINK = JobRest.miniCluster();

    private static final int SECONDS = 6;

    @Test
    void streamsBecomeExactlyTheExpectedWindows() throws Exception {
        Scenario scenario =
                new Scenario(KAFKA, "align")
                        .av("cam-0", SECONDS, null, 0)
                        .av("cam-1", SECONDS, Modality.AUDIO, 3_000_000) // loses its audio
                        .av("cam-2", SECONDS, null, 0)
                        .av("cam-3", SECONDS, null, 0)
                        .add(
                                ModalityEvent.of(
                                        AlignFixtures.caption(
                                                "cam-2", 500_000, 1_000_000, "kick off")))
                        .add(ModalityEvent.of(AlignFixtures.caption("cam-2", 3_500_000, 0, "goal")))
                        .add(ModalityEvent.of(AlignFixtures.metadata("cam-3", 200_000, 4.5)));
        String video = scenario.video;
        String audio = scenario.audio;
        String text = scenario.text;
        String aligned = KAFKA.uniqueTopic("aligned");
        String dlq = KAFKA.uniqueTopic("deadletter");
        KAFKA.createTopics(1, (short) 1, aligned, dlq);
        List<ProducerRecord<byte[], byte[]>> malformed = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            malformed.add(
                    new ProducerRecord<>(
                            video, "cam-0".getBytes(), new byte[] {(byte) 0xC3, 1, (byte) i}));
        }
        scenario.produce(KAFKA, malformed);

        JobConfig cfg =
                JobConfig.load(
                        null,
                        List.of(
                                "kafka.bootstrap-servers=" + KAFKA.bootstrapServers(),
                                "kafka.group-id=align-it-" + video,
                                "topics.video=" + video,
                                "topics.audio=" + audio,
                                "topics.text=" + text,
                                "topics.aligned=" + aligned,
                                "topics.deadletter=" + dlq,
                                "topics.write-aligned=true",
                                "watermarks.idleness=1s",
                                "watermarks.idleness.startup=1s",
                                // The clock stream's window (20 s ahead) must stay pending: with
                                // the 10 s default it was flushed whenever this test took longer
                                // than that, as it did on a loaded machine.
                                "align.idle-flush=0s",
                                "job.parallelism=2",
                                "job.checkpoint-interval=500ms"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        AlignJob.configure(env, cfg);
        KafkaConnection kafka = cfg.kafka();
        AlignJob.KafkaInputs in = AlignJob.kafkaSources(cfg);
        AlignmentPipeline.Aligned result =
                AlignmentPipeline.define(env, cfg, in.video(), in.audio(), in.text());
        AlignJob.sinks(result, cfg, kafka);
        JobClient job = env.executeAsync("align-it");
        try {
            int expected = 4 * SECONDS;
            List<AlignedWindow> windows = List.of();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (System.nanoTime() < deadline) {
                windows = readAligned(aligned);
                if (windows.size() >= expected) {
                    break;
                }
                Thread.sleep(500);
            }
            Thread.sleep(2_000); // several more checkpoints: nothing more may appear
            windows = readAligned(aligned);

            Map<String, List<AlignedWindow>> byStream =
                    windows.stream()
                            .collect(
                                    Collectors.groupingBy(
                                            AlignedWindow::getStreamId,
                                            TreeMap::new,
                                            Collectors.toList()));
            assertThat(byStream.keySet()).containsExactly("cam-0", "cam-1", "cam-2", "cam-3");
            for (List<AlignedWindow> ws : byStream.values()) {
                ws.sort(Comparator.comparingLong(AlignedWindow::getWindowStartUs));
                assertThat(ws)
                        .extracting(AlignedWindow::getWindowStartUs)
                        .as("every window exactly once")
                        .containsExactly(
                                T0,
                                T0 + 1_000_000,
                                T0 + 2_000_000,
                                T0 + 3_000_000,
                                T0 + 4_000_000,
                                T0 + 5_000_000);
                assertThat(ws).extracting(w -> w.getPresence().getVideo()).containsOnly(true);
                assertThat(ws).extracting(AlignedWindow::getFramesSeen).containsOnly(25);
            }
            assertThat(byStream.get("cam-1"))
                    .extracting(w -> w.getPresence().getAudio())
                    .containsExactly(true, true, true, false, false, false);
            assertThat(byStream.get("cam-0"))
                    .extracting(w -> w.getAudio().getCoverage())
                    .containsOnly(1f);
            assertThat(byStream.get("cam-2"))
                    .extracting(w -> w.getPresence().getText())
                    .containsOnly(true);
            assertThat(byStream.get("cam-2"))
                    .extracting(AlignedWindow::getTextCarriedOver)
                    .containsExactly(false, false, true, false, true, true);
            assertThat(byStream.get("cam-0"))
                    .extracting(w -> w.getPresence().getText())
                    .containsOnly(false);
            assertThat(byStream.get("cam-3"))
                    .extracting(w -> w.getPresence().getMetadata())
                    .containsOnly(true);
            assertThat(byStream.get("cam-3").get(5).getMetadata()).containsEntry("speed", 4.5);
            assertThat(byStream.get("cam-0"))
                    .extracting(w -> w.getPresence().getMetadata())
                    .containsOnly(false);

            List<DeadLetter> letters =
                    TopicReader.readAll(
                            KAFKA.bootstrapServers(),
                            dlq,
                            RecordType.DEAD_LETTER,
                            Duration.ofSeconds(30));
            assertThat(letters)
                    .hasSize(3)
                    .allSatisfy(
                            d -> {
                                assertThat(d.getSourceTopic()).isEqualTo(video);
                                assertThat(d.getStage()).isEqualTo("decode");
                            });
        } finally {
            job.cancel().get();
        }
    }

    private static List<AlignedWindow> readAligned(String topic) throws Exception {
        AvroSerde<AlignedWindow> serde =
                AvroSerde.of(RecordType.ALIGNED_WINDOW, WireFormat.SINGLE_OBJECT);
        List<AlignedWindow> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r :
                KafkaTestClients.readAll(
                        KAFKA.bootstrapServers(), topic, true, Duration.ofSeconds(30))) {
            AlignedWindow w = serde.decode(r.value());
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(w.getStreamId());
            out.add(w);
        }
        return out;
    }
}
