package io.avfuse.connectors.kafka;

import io.avfuse.connectors.serde.AvroSerde;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.SchemaIds;
import io.avfuse.connectors.serde.WireFormat;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.lineage.DefaultKafkaDatasetFacet;
import org.apache.flink.connector.kafka.lineage.DefaultKafkaDatasetIdentifier;
import org.apache.flink.connector.kafka.lineage.KafkaDatasetFacet;
import org.apache.flink.connector.kafka.lineage.KafkaDatasetFacetProvider;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.TransactionNamingStrategy;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Builds the Flink {@link KafkaSink} for one avfuse output topic: records keyed by stream id,
 * exactly-once by default (transactions committed on checkpoints).
 *
 * <p>{@code
 * AvroKafkaSink.builder(RecordType.PREDICTION).connection(kafka).topic("av.predictions").transactionalIdPrefix("fuse-predictions").build()}
 */
public final class AvroKafkaSink {
    /**
     * Below the broker's default {@code transaction.max.timeout.ms} (15 min), well above a
     * checkpoint interval plus a restart. Flink's 1 h default is refused by default brokers.
     */
    public static final Duration DEFAULT_TRANSACTION_TIMEOUT = Duration.ofMinutes(10);

    private AvroKafkaSink() {}

    public static <T extends SpecificRecord> Builder<T> builder(RecordType<T> type) {
        return new Builder<>(type);
    }

    /** Options of one sink. */
    public static final class Builder<T extends SpecificRecord> {
        private final RecordType<T> type;
        private KafkaConnection connection;
        private String topic;
        private WireFormat format = WireFormat.SINGLE_OBJECT;
        private SchemaIds ids = SchemaIds.defaults();
        private DeliveryGuarantee guarantee = DeliveryGuarantee.EXACTLY_ONCE;
        private String transactionalIdPrefix;
        private Duration transactionTimeout = DEFAULT_TRANSACTION_TIMEOUT;

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

        public Builder<T> wireFormat(WireFormat format) {
            this.format = format;
            return this;
        }

        public Builder<T> schemaIds(SchemaIds ids) {
            this.ids = ids;
            return this;
        }

        public Builder<T> deliveryGuarantee(DeliveryGuarantee guarantee) {
            this.guarantee = guarantee;
            return this;
        }

        /**
         * Must be unique per sink and per job on the cluster; defaults to {@code avfuse-<topic>}.
         */
        public Builder<T> transactionalIdPrefix(String prefix) {
            this.transactionalIdPrefix = prefix;
            return this;
        }

        public Builder<T> transactionTimeout(Duration timeout) {
            this.transactionTimeout = timeout;
            return this;
        }

        /** The Kafka sink, in a wrapper that closes the admin client its writers leave open. */
        public Sink<T> build() {
            Objects.requireNonNull(connection, "connection");
            Objects.requireNonNull(topic, "topic");
            KafkaSink<T> sink =
                    KafkaSink.<T>builder()
                            .setBootstrapServers(connection.bootstrapServers())
                            .setKafkaProducerConfig(connection.clientProperties())
                            .setDeliveryGuarantee(guarantee)
                            .setTransactionalIdPrefix(
                                    transactionalIdPrefix != null
                                            ? transactionalIdPrefix
                                            : "avfuse-" + topic)
                            .setProperty(
                                    "transaction.timeout.ms",
                                    Long.toString(transactionTimeout.toMillis()))
                            // On recovery, list the open transactions (Kafka's
                            // ListTransactions) and abort every one of ours that the checkpoint
                            // does not hold. The default probes transactional ids upward and
                            // stops at the first unused one; after a killed TaskManager it left a
                            // transaction open past such a gap, and read_committed readers saw
                            // nothing behind it (docs/reliability.md, TaskManager kills).
                            .setTransactionNamingStrategy(TransactionNamingStrategy.POOLING)
                            .setRecordSerializer(
                                    new KeyedAvroSerializationSchema<>(type, format, ids, topic))
                            .build();
            return new AdminClosingKafkaSink<>(sink);
        }
    }

    /**
     * Writes the record's stream id as key and its framed Avro bytes as value. Names its one topic
     * ({@link KafkaDatasetFacetProvider}): the pooling transaction strategy needs it.
     */
    static final class KeyedAvroSerializationSchema<T extends SpecificRecord>
            implements KafkaRecordSerializationSchema<T>, KafkaDatasetFacetProvider {
        private static final long serialVersionUID = 1L;

        private final RecordType<T> type;
        private final WireFormat format;
        private final SchemaIds ids;
        private final String topic;
        private transient AvroSerde<T> serde;

        KeyedAvroSerializationSchema(
                RecordType<T> type, WireFormat format, SchemaIds ids, String topic) {
            this.type = type;
            this.format = format;
            this.ids = ids;
            this.topic = topic;
        }

        @Override
        public Optional<KafkaDatasetFacet> getKafkaDatasetFacet() {
            return Optional.of(
                    new DefaultKafkaDatasetFacet(
                            DefaultKafkaDatasetIdentifier.ofTopics(List.of(topic))));
        }

        @Override
        public void open(
                SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
            serde = AvroSerde.of(type, format, ids);
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(
                T record, KafkaSinkContext context, Long timestamp) {
            if (serde == null) {
                serde = AvroSerde.of(type, format, ids);
            }
            byte[] key = type.keyOf(record).getBytes(StandardCharsets.UTF_8);
            return new ProducerRecord<>(topic, null, timestamp, key, serde.encode(record));
        }
    }
}
