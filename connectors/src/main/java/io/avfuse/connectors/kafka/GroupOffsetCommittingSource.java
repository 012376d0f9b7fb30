package io.avfuse.connectors.kafka;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.KafkaSourceEnumState;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * A {@link KafkaSource} (built with {@code commit.offsets.on.checkpoint=false}) whose readers
 * commit the offsets of each completed checkpoint to the consumer group themselves, through a
 * {@link GroupOffsetCommitter}, instead of through the connector.
 *
 * <p>Why: the connector (flink-connector-kafka 5.0.0-2.2) hands the commit to its split-fetcher
 * thread as a task, and Flink 2.2.1's {@code SplitFetcher.enqueueTask} does not wake the fetch in
 * progress. That fetch blocks in its hand-over queue as long as the task thread takes no records:
 * while watermark alignment holds the source back (a source ahead of the slowest by the max drift;
 * after a restore, a topic without records until the idleness declares it idle). Meanwhile no
 * commit runs and the group's offsets, what monitoring reads as lag, stand still (for good, if the
 * hold does not end). Flink's own offsets, in its checkpoints, are not affected.
 *
 * <p>{@code new GroupOffsetCommittingSource<>(kafkaSource, connection, "fuse", "av.video")}
 */
public final class GroupOffsetCommittingSource<T>
        extends ForwardingSource<T, KafkaPartitionSplit, KafkaSourceEnumState> {
    private static final long serialVersionUID = 1L;

    private final KafkaConnection connection;
    private final String group;
    private final String topic;

    public GroupOffsetCommittingSource(
            KafkaSource<T> source, KafkaConnection connection, String group, String topic) {
        super(source);
        this.connection = connection;
        this.group = group;
        this.topic = topic;
    }

    @Override
    protected SourceReader<T, KafkaPartitionSplit> wrap(
            SourceReader<T, KafkaPartitionSplit> reader, SourceReaderContext context) {
        String clientId = group + "-" + topic + "-offsets-" + context.getIndexOfSubtask();
        return new Reader<>(
                reader, new GroupOffsetCommitter(connection.clientProperties(), group, clientId));
    }

    /** Remembers each checkpoint's split offsets and commits them once it completes. */
    static final class Reader<T> extends ForwardingSourceReader<T, KafkaPartitionSplit> {
        private final GroupOffsetCommitter committer;
        private final NavigableMap<Long, Map<TopicPartition, OffsetAndMetadata>> pending =
                new TreeMap<>();

        Reader(SourceReader<T, KafkaPartitionSplit> delegate, GroupOffsetCommitter committer) {
            super(delegate);
            this.committer = committer;
        }

        @Override
        public List<KafkaPartitionSplit> snapshotState(long checkpointId) {
            List<KafkaPartitionSplit> splits = super.snapshotState(checkpointId);
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (KafkaPartitionSplit split : splits) {
                // Negative: a sentinel (earliest, latest, committed) of a split that has not
                // read a record yet; there is nothing to commit for it.
                if (split.getStartingOffset() >= 0) {
                    offsets.put(
                            split.getTopicPartition(),
                            new OffsetAndMetadata(split.getStartingOffset()));
                }
            }
            pending.put(checkpointId, offsets);
            return splits;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) throws Exception {
            super.notifyCheckpointComplete(checkpointId);
            Map<TopicPartition, OffsetAndMetadata> offsets = pending.get(checkpointId);
            // Earlier checkpoints are subsumed: their offsets are no later than these.
            pending.headMap(checkpointId, true).clear();
            if (offsets != null) {
                committer.commit(offsets);
            }
        }

        @Override
        public void notifyCheckpointAborted(long checkpointId) throws Exception {
            super.notifyCheckpointAborted(checkpointId);
            pending.remove(checkpointId);
        }

        @Override
        public void close() throws Exception {
            try {
                super.close();
            } finally {
                committer.close();
            }
        }
    }
}
