package io.avfuse.jobs.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The offsets a job's Kafka sources committed to their consumer group: the sources commit their
 * checkpointed offsets on checkpoint completion, so once the job has taken everything, and resumed
 * from the right offsets after every restore, the group's offsets are the topics' end offsets.
 */
public final class ConsumerGroupOffsets {
    private ConsumerGroupOffsets() {}

    /** Asserts, within 15 s, that {@code group} committed the end offset of every partition. */
    public static void assertAtEnd(Properties admin, String group, List<String> topics)
            throws Exception {
        try (Admin client = Admin.create(admin)) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (String topic : topics) {
                client.describeTopics(List.of(topic))
                        .allTopicNames()
                        .get(30, TimeUnit.SECONDS)
                        .get(topic)
                        .partitions()
                        .forEach(
                                p ->
                                        latest.put(
                                                new TopicPartition(topic, p.partition()),
                                                OffsetSpec.latest()));
            }
            Map<TopicPartition, Long> end = new HashMap<>();
            client.listOffsets(latest)
                    .all()
                    .get(30, TimeUnit.SECONDS)
                    .forEach((tp, info) -> end.put(tp, info.offset()));
            Map<TopicPartition, Long> committed = new HashMap<>();
            ReliabilityStreams.await(
                    () -> {
                        try {
                            committed.clear();
                            Map<TopicPartition, OffsetAndMetadata> offsets =
                                    client.listConsumerGroupOffsets(group)
                                            .partitionsToOffsetAndMetadata()
                                            .get(30, TimeUnit.SECONDS);
                            offsets.forEach((tp, o) -> committed.put(tp, o.offset()));
                            return committed.entrySet().containsAll(end.entrySet());
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    },
                    TimeUnit.SECONDS.toNanos(15));
            assertThat(end.values()).allSatisfy(o -> assertThat(o).isPositive());
            assertThat(committed)
                    .as("offsets committed by group %s", group)
                    .containsAllEntriesOf(end);
        }
    }
}
