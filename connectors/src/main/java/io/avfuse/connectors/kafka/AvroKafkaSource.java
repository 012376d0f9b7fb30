package io.avfuse.connectors.kafka;

import io.avfuse.connectors.serde.EventTimeGuard;
import io.avfuse.connectors.serde.RecordDecoder;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.SchemaIds;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.schemas.DeadLetter;
import java.time.Duration;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.KafkaSourceOptions;
import org.apache.flink.connector.kafka.source.enumerator.KafkaSourceEnumState;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.flink.types.Either;

/**
 * Builds the Flink {@link KafkaSource} for one avfuse input topic. The source emits {@code
 * Either<DeadLetter, T>}; {@link DeadLetterSplitter} separates the two. An unbounded source commits
 * each completed checkpoint's offsets to its group through {@link GroupOffsetCommittingSource}, a
 * bounded one through the connector.
 *
 * <p>{@code
 * AvroKafkaSource.builder(RecordType.VIDEO_FRAME).connection(kafka).topic("av.video.frames").groupId("fuse").build()}
 */
public final class AvroKafkaSource {
    private AvroKafkaSource() {}

    public static <T extends SpecificRecordBase> Builder<T> builder(RecordType<T> type) {
        return new Builder<>(type);
    }

    /** Options of one source; defaults suit the demo. */
    public static final class Builder<T extends SpecificRecordBase> {
        private final RecordType<T> type;
        private KafkaConnection connection;
        private String topic;
        private String groupId = "avfuse";
        private WireFormat format = WireFormat.SINGLE_OBJECT;
        private SchemaIds ids = SchemaIds.defaults();
        private int maxValueBytes = RecordDecoder.DEFAULT_MAX_VALUE_BYTES;
        private OffsetsInitializer startingOffsets = OffsetsInitializer.earliest();
        private OffsetsInitializer stoppingOffsets;
        private EventTimeGuard guard;

        private Builder(RecordType<T> type) {
            this.type = Objects.requireNonNull(type);
        }

        public Builder<T> connection(KafkaConnection connection) {
            this.connection = connection;
            return this;
        }

        public Builder<T> topic(String topic) {
            this.topic = topic;
            return this;
        }

        public Builder<T> groupId(String groupId) {
            this.groupId = groupId;
            return this;
        }

        public Builder<T> wireFormat(WireFormat format) {
            this.format = format;
            return this;
        }

        public Builder<T> schemaIds(SchemaIds ids) {
            this.ids = ids;
            return this;
        }

        /** Values larger than this become dead letters without being decoded. */
        public Builder<T> maxValueBytes(int maxValueBytes) {
            this.maxValueBytes = maxValueBytes;
            return this;
        }

        /**
         * Records stamped more than {@code maxFuture} ahead of the wall clock become dead letters
         * (stage {@code validate}, with their bytes and offsets); unbounded by default.
         */
        public Builder<T> maxFuture(Duration maxFuture) {
            this.guard = EventTimeGuard.of(maxFuture);
            return this;
        }

        public Builder<T> startingOffsets(OffsetsInitializer startingOffsets) {
            this.startingOffsets = startingOffsets;
            return this;
        }

        /** Makes the source bounded: it ends at these offsets (tests, backfills). */
        public Builder<T> boundedAt(OffsetsInitializer stoppingOffsets) {
            this.stoppingOffsets = stoppingOffsets;
            return this;
        }

        public Source<Either<DeadLetter, T>, KafkaPartitionSplit, KafkaSourceEnumState> build() {
            Objects.requireNonNull(connection, "connection");
            Objects.requireNonNull(topic, "topic");
            KafkaSourceBuilder<Either<DeadLetter, T>> builder =
                    KafkaSource.<Either<DeadLetter, T>>builder()
                            .setProperties(connection.clientProperties())
                            .setBootstrapServers(connection.bootstrapServers())
                            .setTopics(topic)
                            .setGroupId(groupId)
                            .setStartingOffsets(startingOffsets)
                            .setDeserializer(
                                    new DeadLetteringDeserializationSchema<>(
                                            type, format, ids, maxValueBytes, guard))
                            // Hundreds of per-partition client metrics collide in Flink's
                            // registry and add nothing the avfuse metrics do not show.
                            .setProperty("register.consumer.metrics", "false")
                            .setProperty("client.id.prefix", groupId + "-" + topic);
            if (stoppingOffsets != null) {
                // Its finished splits' offsets are committed by the connector only.
                return builder.setBounded(stoppingOffsets).build();
            }
            builder.setProperty(KafkaSourceOptions.COMMIT_OFFSETS_ON_CHECKPOINT.key(), "false");
            return new GroupOffsetCommittingSource<>(builder.build(), connection, groupId, topic);
        }
    }
}
