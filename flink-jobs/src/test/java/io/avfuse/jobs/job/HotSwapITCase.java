package io.avfuse.jobs.job;

import static io.avfuse.jobs.align.AlignFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.kafka.TopicReader;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.testing.KafkaTestClients;
import io.avfuse.jobs.align.AlignFixtures;
import io.avfuse.jobs.align.ModalityEvent;
import io.avfuse.jobs.model.ModelVersions;
import io.avfuse.jobs.swap.HotSwapInferenceOperator;
import io.avfuse.schemas.Embedding;
import io.avfuse.schemas.Prediction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hot swap in the running fusion job, through a real broker on a MiniCluster with the real PyTorch
 * engine: 20 streams, checkpoints every second, model v1 serving. After the first windows are
 * committed, v2 (another version, other parameters) is announced on the control topic; once every
 * inference subtask has switched, more data flows; then a model whose parameter file was cut in
 * half is announced, and once every subtask has refused it, the rest of the data flows. Read back
 * (read_committed): every window exactly once on the prediction and the embedding topic, each
 * tagged v1 or v2 (the same on both topics), per stream never v2 then v1, v1 before the
 * announcement and v2 after it and after the broken one; the metrics show one swap per subtask and
 * the failure.
 */
class HotSwapITCase {
    private static final int STREAMS = 20;
    private static final int SECONDS = 12;

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            JobRest.miniCluster(METRICS.addToConfiguration(new Configuration()));

    @TempDir Path tmp;

    private String video;
    private String audio;

    @Test
    void anAnnouncedModelSwitchesInAtACheckpointWithoutLosingOrRepeatingAWindow() throws Exception {
        long started = System.nanoTime();
        Path v1 = ModelVersions.save(tmp.resolve("v1"), "v1", 1);
        Path v2 = ModelVersions.save(tmp.resolve("v2"), "v2", 2);
        Path broken = ModelVersions.truncated(v2, tmp.resolve("v3-broken"), "v3");

        FuseJobSettings.Topics topics = FuseJobSettings.Topics.unique(KAFKA, "swap");
        video = topics.video();
        audio = topics.audio();
        String text = topics.text();
        String control = KAFKA.uniqueTopic("swap-models");
        String predictions = topics.predictions();
        String embeddings = topics.embeddings();
        String dlq = topics.deadletter();
        KAFKA.createTopics(1, (short) 1, video, audio, text, control, dlq);
        KAFKA.createTopics(2, (short) 1, predictions, embeddings);

        JobClient job =
                FuseJobSettings.of(KAFKA.bootstrapServers(), topics, v1)
                        .set("model.control-topic", control)
                        .set("model.poll-interval", "200ms")
                        .set("inference.batch-size", 8)
                        // swaps wait for the model thread's batches to drain
                        .set("inference.pipelined-batches", 1)
                        .set("job.checkpoint-interval", "1s")
                        .start("hot-swap-it");
        JobID id = job.getJobID();
        try {
            // Seconds 0-4: windows 0-2 close (the watermark stops short of window 3's end).
            produce(0, 4);
            awaitCommitted(predictions, 3 * STREAMS);
            announce(control, "{\"dir\": \"" + v2 + "\", \"version\": \"v2\"}");
            awaitMetric(id, "modelSwaps", 2, "both subtasks to switch to v2");

            produce(4, 8);
            awaitCommitted(predictions, 7 * STREAMS);
            announce(control, broken.toString());
            awaitMetric(id, "modelLoadFailures", 2, "both subtasks to refuse the broken model");

            produce(8, SECONDS);
            produceClock();
            int expected = STREAMS * SECONDS;
            awaitCommitted(predictions, expected);
            Thread.sleep(2_500); // more checkpoints: nothing more may appear

            List<Prediction> got =
                    TopicReader.readAll(
                            KAFKA.bootstrapServers(),
                            predictions,
                            RecordType.PREDICTION,
                            Duration.ofSeconds(30));
            List<Embedding> emb =
                    TopicReader.readAll(
                            KAFKA.bootstrapServers(),
                            embeddings,
                            RecordType.EMBEDDING,
                            Duration.ofSeconds(30));

            Map<String, String> predicted =
                    versionsByWindow(
                            got,
                            p -> key(p.getStreamId(), p.getWindowStartUs()),
                            Prediction::getModelVersion);
            Map<String, String> embedded =
                    versionsByWindow(
                            emb,
                            e -> key(e.getStreamId(), e.getWindowStartUs()),
                            Embedding::getModelVersion);
            assertThat(got).as("predictions, none duplicated").hasSize(expected);
            assertThat(emb).as("embeddings, none duplicated").hasSize(expected);
            List<String> all = new ArrayList<>();
            for (int s = 0; s < STREAMS; s++) {
                for (int w = 0; w < SECONDS; w++) {
                    all.add(key(stream(s), T0 + w * 1_000_000L));
                }
            }
            assertThat(predicted.keySet())
                    .as("no window lost")
                    .containsExactlyInAnyOrderElementsOf(all);
            assertThat(embedded)
                    .as("the embedding of a window comes from its prediction's model")
                    .isEqualTo(predicted);
            assertThat(predicted.values()).containsOnly("v1", "v2").contains("v1", "v2");

            for (int s = 0; s < STREAMS; s++) {
                List<String> versions = new ArrayList<>();
                for (int w = 0; w < SECONDS; w++) {
                    versions.add(predicted.get(key(stream(s), T0 + w * 1_000_000L)));
                }
                assertThat(versions.subList(0, 3))
                        .as(stream(s) + ": committed before v2 was announced")
                        .containsOnly("v1");
                assertThat(versions.subList(4, SECONDS))
                        .as(stream(s) + ": after the switch, and after the broken model")
                        .containsOnly("v2");
                assertThat(String.join(",", versions))
                        .as(stream(s) + ": never back from v2 to v1")
                        .doesNotContain("v2,v1");
            }

            assertThat(metricValues(id, "modelSwaps")).containsExactly(1L, 1L);
            assertThat(metricValues(id, "modelLoadFailing")).containsExactly(1L, 1L);
            assertThat(metricValues(id, "modelLoadFailures")).containsExactly(1L, 1L);
            long v2Hash = HotSwapInferenceOperator.hash("v2");
            assertThat(metricValues(id, "modelVersionHash")).containsExactly(v2Hash, v2Hash);
            // The version label: v2 serves on both subtasks, v1 no longer; the broken v3 never did.
            assertThat(metricValues(id, "version.v2.", "serving")).containsExactly(1L, 1L);
            assertThat(metricValues(id, "version.v1.", "serving")).containsExactly(0L, 0L);
            assertThat(metricValues(id, "version.v3.", "serving")).isEmpty();

            Map<String, Long> perVersion =
                    predicted.values().stream()
                            .collect(
                                    Collectors.groupingBy(
                                            v -> v, TreeMap::new, Collectors.counting()));
            System.out.printf(
                    "[hot swap] %d windows: %s; %.1f s%n",
                    expected, perVersion, (System.nanoTime() - started) / 1e9);
        } finally {
            job.cancel().get();
        }
    }

    private static String stream(int s) {
        return String.format("cam-%02d", s);
    }

    private static String key(String stream, long windowStartUs) {
        return stream + "@" + windowStartUs;
    }

    private static <T> Map<String, String> versionsByWindow(
            List<T> records, Function<T, String> key, Function<T, String> version) {
        return records.stream()
                .collect(Collectors.toMap(key, version, (a, b) -> a + "+" + b, TreeMap::new));
    }

    /** Video and audio of every stream for seconds [from, to). */
    private void produce(int from, int to) throws Exception {
        List<ModalityEvent> events = new ArrayList<>();
        for (int s = 0; s < STREAMS; s++) {
            events.addAll(AlignFixtures.av(stream(s), from * 1_000_000L, to * 1_000_000L));
        }
        KafkaTestClients.produce(
                KAFKA.bootstrapServers(), AlignFixtures.records(events, video, audio, "unused"));
    }

    /** A stream 20 s ahead that carries the watermarks past every window. */
    private void produceClock() throws Exception {
        List<ModalityEvent> clock =
                List.of(
                        ModalityEvent.of(AlignFixtures.frame("clock", 500)),
                        ModalityEvent.of(AlignFixtures.chunk("clock", 1000)));
        KafkaTestClients.produce(
                KAFKA.bootstrapServers(), AlignFixtures.records(clock, video, audio, "unused"));
    }

    private static void announce(String control, String value) throws Exception {
        KafkaTestClients.produce(
                KAFKA.bootstrapServers(),
                List.of(
                        new ProducerRecord<>(
                                control, null, value.getBytes(StandardCharsets.UTF_8))));
    }

    private static void awaitCommitted(String topic, int count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        int seen = 0;
        while (System.nanoTime() < deadline) {
            seen =
                    TopicReader.readAll(
                                    KAFKA.bootstrapServers(), topic, true, Duration.ofSeconds(30))
                            .size();
            if (seen >= count) {
                return;
            }
            Thread.sleep(300);
        }
        throw new AssertionError(
                "only " + seen + " of " + count + " records committed to " + topic);
    }

    private static void awaitMetric(JobID id, String name, long total, String what)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (metricValues(id, name).stream().mapToLong(Long::longValue).sum() >= total) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(
                "timed out waiting for " + what + ": " + name + " = " + metricValues(id, name));
    }

    /** The value of {@code avfuse.model.<name>} on each inference subtask. */
    private static List<Long> metricValues(JobID id, String name) {
        return metricValues(id, "", name);
    }

    /** The value of {@code avfuse.model.<subgroup><name>} on each inference subtask. */
    private static List<Long> metricValues(JobID id, String subgroup, String name) {
        assertThat(id).isNotNull();
        List<Long> values = new ArrayList<>();
        for (var group : METRICS.getMetricsByGroup().entrySet()) {
            Metric m = group.getValue().get(name);
            String identifier = group.getKey().getMetricIdentifier(name);
            // Identifiers hold the job name and operator scope; this test runs one job.
            if (m == null
                    || !identifier.endsWith(".avfuse.model." + subgroup + name)
                    || !identifier.contains(".hot-swap-it.")) {
                continue;
            }
            values.add(
                    m instanceof Counter c
                            ? c.getCount()
                            : ((Number) ((Gauge<?>) m).getValue()).longValue());
        }
        values.sort(Comparator.naturalOrder());
        return values;
    }
}
