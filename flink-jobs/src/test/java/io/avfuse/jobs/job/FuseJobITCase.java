package io.avfuse.jobs.job;

import static io.avfuse.jobs.align.AlignFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.kafka.TopicReader;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.jobs.align.Modality;
import io.avfuse.jobs.model.FusionInferenceTest;
import io.avfuse.schemas.Embedding;
import io.avfuse.schemas.Prediction;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fusion job through a real broker on a MiniCluster with the real PyTorch engine: one stream
 * loses its audio halfway, another its video. Every window of every stream gets exactly one
 * prediction and one embedding (read_committed), flagged degraded exactly where a modality the
 * model was trained on (video, audio) was missing. The model is freshly initialised: this checks
 * the plumbing, not accuracy.
 */
class FuseJobITCase {
    @RegisterExtension static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();

    @RegisterExtension static final MiniClusterExtension FLINK = JobRest.miniCluster();

    @TempDir Path tmp;

    @Test
    void everyWindowIsPredictedOnceAndDegradedExactlyWhereAModalityWasMissing() throws Exception {
        Path model = FusionInferenceTest.savedModel(tmp, 16, List.of("video", "audio"));
        Scenario s =
                new Scenario(KAFKA, "fuse")
                        .av("cam-0", 6, null, 0)
                        .av("cam-1", 6, Modality.AUDIO, 3_000_000)
                        .av("cam-2", 6, Modality.VIDEO, 3_000_000);
        s.produce(KAFKA, List.of());
        FuseJobSettings.Topics topics =
                FuseJobSettings.Topics.unique(KAFKA, "fuse").withInputs(s.video, s.audio, s.text);
        String predictions = topics.predictions();
        String embeddings = topics.embeddings();
        String dlq = topics.deadletter();
        KAFKA.createTopics(2, (short) 1, predictions, embeddings);
        KAFKA.createTopics(1, (short) 1, dlq);

        JobClient job =
                FuseJobSettings.of(KAFKA.bootstrapServers(), topics, model).start("fuse-it");
        try {
            int expected = 3 * 6;
            List<Prediction> got = List.of();
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (System.nanoTime() < deadline && got.size() < expected) {
                Thread.sleep(500);
                got = read(predictions, RecordType.PREDICTION);
            }
            Thread.sleep(2_000); // more checkpoints: nothing more may appear
            got = read(predictions, RecordType.PREDICTION);
            List<Embedding> emb = read(embeddings, RecordType.EMBEDDING);

            Map<String, List<Prediction>> byStream =
                    got.stream()
                            .collect(
                                    Collectors.groupingBy(
                                            Prediction::getStreamId,
                                            TreeMap::new,
                                            Collectors.toList()));
            assertThat(byStream.keySet()).containsExactly("cam-0", "cam-1", "cam-2");
            for (List<Prediction> ps : byStream.values()) {
                ps.sort(Comparator.comparingLong(Prediction::getWindowStartUs));
                assertThat(ps)
                        .extracting(Prediction::getWindowStartUs)
                        .containsExactly(
                                T0,
                                T0 + 1_000_000,
                                T0 + 2_000_000,
                                T0 + 3_000_000,
                                T0 + 4_000_000,
                                T0 + 5_000_000);
                assertThat(ps).extracting(Prediction::getModelVersion).containsOnly("test-7");
            }
            assertThat(byStream.get("cam-0"))
                    .extracting(Prediction::getDegraded)
                    .containsOnly(false);
            assertThat(byStream.get("cam-1"))
                    .extracting(Prediction::getDegraded)
                    .containsExactly(false, false, false, true, true, true);
            assertThat(byStream.get("cam-1"))
                    .extracting(p -> p.getPresence().getAudio())
                    .containsExactly(true, true, true, false, false, false);
            assertThat(byStream.get("cam-2"))
                    .extracting(Prediction::getDegraded)
                    .containsExactly(false, false, false, true, true, true);
            assertThat(byStream.get("cam-2"))
                    .extracting(p -> p.getPresence().getVideo())
                    .containsExactly(true, true, true, false, false, false);
            assertThat(got)
                    .allSatisfy(p -> assertThat(p.getTimes().getBatchSize()).isBetween(1, 4));

            assertThat(emb).hasSize(expected);
            assertThat(
                            emb.stream()
                                    .map(e -> e.getStreamId() + "@" + e.getWindowStartUs())
                                    .distinct()
                                    .count())
                    .isEqualTo(expected);
            assertThat(emb)
                    .filteredOn(
                            e ->
                                    e.getStreamId().equals("cam-1")
                                            && e.getWindowStartUs() >= T0 + 3_000_000)
                    .allSatisfy(e -> assertThat(e.getAudio()).isNull());
        } finally {
            job.cancel().get();
        }
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> List<T> read(
            String topic, RecordType<T> type) throws Exception {
        return TopicReader.readAll(KAFKA.bootstrapServers(), topic, type, Duration.ofSeconds(30));
    }
}
