package io.avfuse.jobs.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.kafka.TopicReader;
import io.avfuse.connectors.serde.AvroSerde;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.schemas.Embedding;
import io.avfuse.schemas.Prediction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * What the job has committed on its prediction and embedding topics, read {@code read_committed} as
 * it grows, counted per window: the oracle of the exactly-once ITCases.
 */
public final class CommittedWindows implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> predictions;
    private final KafkaConsumer<byte[], byte[]> embeddings;
    private final AvroSerde<Prediction> predictionSerde =
            AvroSerde.of(RecordType.PREDICTION, WireFormat.SINGLE_OBJECT);
    private final AvroSerde<Embedding> embeddingSerde =
            AvroSerde.of(RecordType.EMBEDDING, WireFormat.SINGLE_OBJECT);

    /** Copies per "stream@windowStartUs". */
    final Map<String, Integer> predicted = new TreeMap<>();

    final Map<String, Integer> embedded = new TreeMap<>();
    final Map<String, Embedding> embeddingOf = new HashMap<>();
    final Map<String, String> modelVersionOf = new HashMap<>();

    public CommittedWindows(String bootstrap, String predictionTopic, String embeddingTopic) {
        predictions = consumer(bootstrap, predictionTopic);
        embeddings = consumer(bootstrap, embeddingTopic);
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String topic) {
        Properties p = TopicReader.consumerProperties(bootstrap, true);
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p);
        List<TopicPartition> partitions =
                c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                        .map(i -> new TopicPartition(topic, i.partition()))
                        .toList();
        c.assign(partitions);
        c.seekToBeginning(partitions);
        return c;
    }

    /** Reads what was committed since the last call. */
    void poll() throws Exception {
        for (ConsumerRecord<byte[], byte[]> r : predictions.poll(Duration.ofMillis(100))) {
            Prediction p = predictionSerde.decode(r.value());
            String k = ReliabilityStreams.key(p.getStreamId(), p.getWindowStartUs());
            predicted.merge(k, 1, Integer::sum);
            modelVersionOf.put(k, p.getModelVersion());
        }
        for (ConsumerRecord<byte[], byte[]> r : embeddings.poll(Duration.ofMillis(100))) {
            Embedding e = embeddingSerde.decode(r.value());
            String k = ReliabilityStreams.key(e.getStreamId(), e.getWindowStartUs());
            embedded.merge(k, 1, Integer::sum);
            embeddingOf.put(k, e);
        }
    }

    /** How many of {@code expected} have a committed prediction and embedding. */
    public int complete(Set<String> expected) {
        int n = 0;
        for (String k : expected) {
            if (predicted.containsKey(k) && embedded.containsKey(k)) {
                n++;
            }
        }
        return n;
    }

    /** Reads until {@code expected} are all committed or {@code timeout} passed. */
    public boolean awaitAll(Set<String> expected, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (complete(expected) < expected.size()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            poll();
        }
        return true;
    }

    /** Reads for {@code duration} more (later checkpoints: nothing may be added). */
    public void drain(Duration duration) throws Exception {
        long until = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < until) {
            poll();
        }
    }

    /** Lost and duplicated windows of each topic, for the log: {@code predictions 0 lost ...}. */
    public String tally(Set<String> expected) {
        return "predictions "
                + tally(predicted, expected)
                + ", embeddings "
                + tally(embedded, expected);
    }

    private static String tally(Map<String, Integer> got, Set<String> expected) {
        long lost = expected.stream().filter(k -> !got.containsKey(k)).count();
        long duplicated = got.values().stream().filter(n -> n > 1).count();
        return lost + " lost / " + duplicated + " duplicated";
    }

    /**
     * Asserts exactly once: every expected window has one prediction and one embedding, no window
     * outside {@code expected} (except the clock stream's) appears, nothing appears twice.
     */
    public void assertExactlyOnce(Set<String> expected) {
        assertOnce("predictions", predicted, expected);
        assertOnce("embeddings", embedded, expected);
    }

    private static void assertOnce(String what, Map<String, Integer> got, Set<String> expected) {
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(got.keySet());
        List<String> duplicated = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        got.forEach(
                (k, n) -> {
                    if (n > 1) {
                        duplicated.add(k + " x" + n);
                    }
                    if (!expected.contains(k) && !k.startsWith(ReliabilityStreams.CLOCK + "@")) {
                        unexpected.add(k);
                    }
                });
        assertThat(missing).as("%s lost (of %d)", what, expected.size()).isEmpty();
        assertThat(duplicated).as("%s duplicated", what).isEmpty();
        assertThat(unexpected).as("%s of windows never sent", what).isEmpty();
    }

    /**
     * Asserts that every stream got the same embedding for the same window index, as its input was
     * the same: a window that lost a frame, or took one twice, differs from the other streams.
     */
    public void assertSameContentAcrossStreams(ReliabilityStreams in) {
        List<String> differing = new ArrayList<>();
        for (int w = 0; w < in.windows; w++) {
            Embedding reference =
                    embeddingOf.get(
                            ReliabilityStreams.key(
                                    ReliabilityStreams.stream(0), in.windowStart(w)));
            for (int s = 1; s < in.streams; s++) {
                String k = ReliabilityStreams.key(ReliabilityStreams.stream(s), in.windowStart(w));
                Embedding e = embeddingOf.get(k);
                List<String> parts = new ArrayList<>();
                if (!e.getPresence().equals(reference.getPresence())) {
                    parts.add("presence " + e.getPresence());
                }
                if (!close(reference.getVideo(), e.getVideo())) {
                    parts.add("video");
                }
                if (!close(reference.getAudio(), e.getAudio())) {
                    parts.add("audio");
                }
                if (!close(reference.getFused(), e.getFused())) {
                    parts.add("fused");
                }
                if (!parts.isEmpty()) {
                    differing.add(k + " " + parts);
                }
            }
        }
        assertThat(differing)
                .as("windows whose embedding differs from stream s00's for the same input")
                .isEmpty();
    }

    private static boolean close(List<Float> a, List<Float> b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (Math.abs(a.get(i) - b.get(i)) > 1e-4f * Math.max(1f, Math.abs(a.get(i)))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        predictions.close(Duration.ofSeconds(1));
        embeddings.close(Duration.ofSeconds(1));
    }
}
