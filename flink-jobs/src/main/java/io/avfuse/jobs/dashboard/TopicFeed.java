package io.avfuse.jobs.dashboard;

import io.avfuse.connectors.kafka.TopicReader;
import io.avfuse.connectors.serde.AvroSerde;
import io.avfuse.connectors.serde.MalformedRecordException;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.schemas.Embedding;
import io.avfuse.schemas.Prediction;
import io.avfuse.schemas.VideoFrame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Reads the prediction, embedding and video-frame topics into a {@link WindowStore} on one thread:
 * a plain {@code read_committed} consumer that assigns itself every partition (no group, nothing
 * committed) and looks for new partitions and topics every few seconds, so the dashboard may start
 * before the job. Every changed window goes to {@code changed}.
 *
 * <p>{@code new TopicFeed(settings, store, w -> ...).start(); ... feed.close();}
 */
final class TopicFeed implements AutoCloseable {
    /** Where to start reading a partition the first time it is seen. */
    sealed interface Start {
        record Earliest() implements Start {}

        record Latest() implements Start {}

        /** Records whose timestamp (the event time) is at most this long ago. */
        record Lookback(Duration ago) implements Start {}

        static Start parse(String s) {
            return switch (s.toLowerCase(java.util.Locale.ROOT)) {
                case "earliest" -> new Earliest();
                case "latest" -> new Latest();
                default -> {
                    try {
                        yield new Lookback(Duration.parse("PT" + s.toUpperCase()));
                    } catch (java.time.format.DateTimeParseException e) {
                        throw new IllegalArgumentException(
                                "expected earliest, latest or a duration such as 10m or 90s, got '"
                                        + s
                                        + "'");
                    }
                }
            };
        }
    }

    record Topics(String predictions, String embeddings, String frames) {}

    private static final Duration REDISCOVER = Duration.ofSeconds(3);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Topics topics;
    private final Start start;
    private final WindowStore store;
    private final Consumer<WindowStore.Window> changed;
    private final AvroSerde<Prediction> predictions;
    private final AvroSerde<Embedding> embeddings;
    private final AvroSerde<VideoFrame> frames;
    private final Set<TopicPartition> assigned = new HashSet<>();
    private final AtomicLong malformed = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile String lastError = "";

    TopicFeed(
            String bootstrap,
            Map<String, String> kafkaProperties,
            Topics topics,
            Start start,
            WireFormat format,
            WindowStore store,
            Consumer<WindowStore.Window> changed) {
        Properties p = TopicReader.consumerProperties(bootstrap, true);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "avfuse-dashboard");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.putAll(kafkaProperties);
        this.consumer = new KafkaConsumer<>(p);
        this.topics = topics;
        this.start = start;
        this.store = store;
        this.changed = changed;
        this.predictions = AvroSerde.of(RecordType.PREDICTION, format);
        this.embeddings = AvroSerde.of(RecordType.EMBEDDING, format);
        this.frames = AvroSerde.of(RecordType.VIDEO_FRAME, format);
        this.thread = new Thread(this::run, "avfuse-dashboard-feed");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Records that could not be decoded (skipped). */
    long malformed() {
        return malformed.get();
    }

    /** The last error talking to Kafka, empty when the last attempt worked. */
    String lastError() {
        return lastError;
    }

    private void run() {
        long nextDiscovery = 0;
        try {
            while (running) {
                try {
                    if (System.nanoTime() >= nextDiscovery) {
                        discover();
                        nextDiscovery = System.nanoTime() + REDISCOVER.toNanos();
                    }
                    if (assigned.isEmpty()) {
                        Thread.sleep(200);
                        continue;
                    }
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        handle(r);
                    }
                    lastError = "";
                } catch (WakeupException e) {
                    break;
                } catch (RuntimeException e) {
                    // A broker that is down or restarting: keep what we have and try again.
                    lastError = e.toString();
                    Thread.sleep(1_000);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void discover() {
        List<TopicPartition> added = new ArrayList<>();
        for (String topic : List.of(topics.predictions(), topics.embeddings(), topics.frames())) {
            List<PartitionInfo> infos;
            try {
                infos = consumer.partitionsFor(topic, Duration.ofSeconds(2));
            } catch (WakeupException e) {
                throw e;
            } catch (RuntimeException e) {
                lastError = "cannot list the partitions of " + topic + ": " + e.getMessage();
                continue;
            }
            for (PartitionInfo i : infos == null ? List.<PartitionInfo>of() : infos) {
                TopicPartition tp = new TopicPartition(topic, i.partition());
                if (assigned.add(tp)) {
                    added.add(tp);
                }
            }
        }
        if (added.isEmpty()) {
            return;
        }
        consumer.assign(assigned);
        if (start instanceof Start.Earliest) {
            consumer.seekToBeginning(added);
        } else if (start instanceof Start.Latest) {
            consumer.seekToEnd(added);
        } else if (start instanceof Start.Lookback l) {
            long since = System.currentTimeMillis() - l.ago().toMillis();
            Map<TopicPartition, Long> query = new HashMap<>();
            added.forEach(tp -> query.put(tp, since));
            Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
            for (TopicPartition tp : added) {
                OffsetAndTimestamp o = found.get(tp);
                if (o == null) {
                    consumer.seekToEnd(List.of(tp));
                } else {
                    consumer.seek(tp, o.offset());
                }
            }
        }
    }

    private void handle(ConsumerRecord<byte[], byte[]> r) {
        try {
            if (r.topic().equals(topics.predictions())) {
                changed.accept(
                        store.onPrediction(
                                predictions.decode(r.value()), System.currentTimeMillis() * 1000));
            } else if (r.topic().equals(topics.embeddings())) {
                changed.accept(store.onEmbedding(embeddings.decode(r.value())));
            } else {
                store.onFrame(frames.decode(r.value())).ifPresent(changed);
            }
        } catch (MalformedRecordException | RuntimeException e) {
            // The job dead-letters bad input; here a record we cannot read is only counted.
            malformed.incrementAndGet();
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(5_000);
    }
}
