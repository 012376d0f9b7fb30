package io.avfuse.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.broker.KafkaBrokerExtension;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.flink.core.io.InputStatus;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The reader of {@link GroupOffsetCommittingSource} against a real broker: each completed
 * checkpoint's split offsets reach the consumer group, splits without a read offset yet are left
 * out, and commits asked for faster than the broker answers end at the latest, never an older one.
 * The delegate is a stub, so no fetcher thread is involved at all.
 */
class GroupOffsetCommittingSourceITCase {
    @RegisterExtension static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();

    @Test
    void commitsTheOffsetsOfEachCompletedCheckpoint() throws Exception {
        String topic = KAFKA.uniqueTopic("offsets");
        KAFKA.createTopics(2, (short) 1, topic);
        TopicPartition p0 = new TopicPartition(topic, 0);
        TopicPartition p1 = new TopicPartition(topic, 1);
        String group = topic + "-group";
        StubReader stub = new StubReader();
        try (Admin admin =
                        Admin.create(
                                KafkaConnection.to(KAFKA.bootstrapServers()).clientProperties());
                SourceReader<String, KafkaPartitionSplit> reader = reader(stub, group)) {
            stub.splits = List.of(split(p0, 5), split(p1, KafkaPartitionSplit.EARLIEST_OFFSET));
            reader.snapshotState(1);
            reader.notifyCheckpointComplete(1);
            assertThat(awaitOffsets(admin, group, Map.of(p0, 5L)))
                    .as("p1 has read nothing yet: no offset for it")
                    .isEqualTo(Map.of(p0, 5L));

            // Checkpoint 2 completes while 3 is still pending: 2's offsets, not 3's.
            stub.splits = List.of(split(p0, 7), split(p1, 3));
            reader.snapshotState(2);
            stub.splits = List.of(split(p0, 8), split(p1, 4));
            reader.snapshotState(3);
            reader.notifyCheckpointComplete(2);
            assertThat(awaitOffsets(admin, group, Map.of(p0, 7L, p1, 3L)))
                    .isEqualTo(Map.of(p0, 7L, p1, 3L));
            reader.notifyCheckpointAborted(3);

            for (long id = 4; id < 54; id++) {
                stub.splits = List.of(split(p0, 10 + id), split(p1, 20 + id));
                reader.snapshotState(id);
                reader.notifyCheckpointComplete(id);
            }
            assertThat(awaitOffsets(admin, group, Map.of(p0, 63L, p1, 73L)))
                    .as("commits faster than answers end at the latest")
                    .isEqualTo(Map.of(p0, 63L, p1, 73L));
        }
        assertThat(stub.closed).isTrue();
    }

    private static SourceReader<String, KafkaPartitionSplit> reader(StubReader stub, String group) {
        return new GroupOffsetCommittingSource.Reader<>(
                stub,
                new GroupOffsetCommitter(
                        KafkaConnection.to(KAFKA.bootstrapServers()).clientProperties(),
                        group,
                        group + "-offsets-0"));
    }

    private static KafkaPartitionSplit split(TopicPartition tp, long offset) {
        return new KafkaPartitionSplit(tp, offset);
    }

    /** The group's committed offsets once they equal {@code expected}, or after 30 s. */
    private static Map<TopicPartition, Long> awaitOffsets(
            Admin admin, String group, Map<TopicPartition, Long> expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Map<TopicPartition, Long> committed = new HashMap<>();
        while (System.nanoTime() < deadline) {
            committed.clear();
            Map<TopicPartition, OffsetAndMetadata> offsets =
                    admin.listConsumerGroupOffsets(group)
                            .partitionsToOffsetAndMetadata()
                            .get(30, TimeUnit.SECONDS);
            offsets.forEach((tp, o) -> committed.put(tp, o.offset()));
            if (committed.equals(expected)) {
                break;
            }
            Thread.sleep(100);
        }
        return committed;
    }

    /** A reader whose snapshot is whatever the test sets. */
    private static final class StubReader implements SourceReader<String, KafkaPartitionSplit> {
        volatile List<KafkaPartitionSplit> splits = new ArrayList<>();
        volatile boolean closed;

        @Override
        public void start() {}

        @Override
        public InputStatus pollNext(ReaderOutput<String> output) {
            return InputStatus.NOTHING_AVAILABLE;
        }

        @Override
        public List<KafkaPartitionSplit> snapshotState(long checkpointId) {
            return splits;
        }

        @Override
        public CompletableFuture<Void> isAvailable() {
            return new CompletableFuture<>();
        }

        @Override
        public void addSplits(List<KafkaPartitionSplit> splits) {}

        @Override
        public void notifyNoMoreSplits() {}

        @Override
        public void close() {
            closed = true;
        }
    }
}
