package io.avfuse.connectors.kafka;

import java.io.IOException;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.kafka.sink.KafkaCommittable;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaWriterState;
import org.apache.flink.connector.kafka.sink.TwoPhaseCommittingStatefulSink;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.SupportsPostCommitTopology;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.lineage.LineageVertex;
import org.apache.flink.streaming.api.lineage.LineageVertexProvider;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link KafkaSink} whose writers close the admin client they open.
 *
 * <p>flink-connector-kafka 5.0.0's exactly-once writer opens an {@link Admin} client to list the
 * open transactions it must abort ({@code TransactionNamingStrategy.POOLING}) and never closes it:
 * every writer a job starts, and every restart, left a client thread behind that kept polling the
 * cluster for the life of the TaskManager (and logged reconnect warnings once the brokers were
 * gone). This sink forwards everything to the Kafka sink unchanged (same writer state,
 * committables, committer and serializers, so savepoints are the same) and closes that client after
 * the writer.
 */
final class AdminClosingKafkaSink<T>
        implements TwoPhaseCommittingStatefulSink<T, KafkaWriterState, KafkaCommittable>,
                SupportsPostCommitTopology<KafkaCommittable>,
                LineageVertexProvider {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AdminClosingKafkaSink.class);

    /** The connector's private field holding the client (absent in versions that fix it). */
    static final String ADMIN_FIELD = "adminClient";

    private final KafkaSink<T> sink;

    AdminClosingKafkaSink(KafkaSink<T> sink) {
        this.sink = sink;
    }

    /** The wrapped sink, as the connector builds it (for the test that shows the leak). */
    KafkaSink<T> kafkaSink() {
        return sink;
    }

    @Override
    public PrecommittingStatefulSinkWriter<T, KafkaWriterState, KafkaCommittable> createWriter(
            WriterInitContext context) throws IOException {
        return new Writer<>(sink.createWriter(context));
    }

    @Override
    public PrecommittingStatefulSinkWriter<T, KafkaWriterState, KafkaCommittable> restoreWriter(
            WriterInitContext context, Collection<KafkaWriterState> states) throws IOException {
        return new Writer<>(sink.restoreWriter(context, states));
    }

    @Override
    public SimpleVersionedSerializer<KafkaWriterState> getWriterStateSerializer() {
        return sink.getWriterStateSerializer();
    }

    @Override
    public Committer<KafkaCommittable> createCommitter(CommitterInitContext context) {
        return sink.createCommitter(context);
    }

    @Override
    public SimpleVersionedSerializer<KafkaCommittable> getCommittableSerializer() {
        return sink.getCommittableSerializer();
    }

    @Override
    public void addPostCommitTopology(
            DataStream<CommittableMessage<KafkaCommittable>> committables) {
        sink.addPostCommitTopology(committables);
    }

    @Override
    public LineageVertex getLineageVertex() {
        return sink.getLineageVertex();
    }

    /** Forwards to the Kafka writer; closing it also closes the admin client it left open. */
    static final class Writer<T>
            implements PrecommittingStatefulSinkWriter<T, KafkaWriterState, KafkaCommittable> {
        private final PrecommittingStatefulSinkWriter<T, KafkaWriterState, KafkaCommittable> writer;

        Writer(PrecommittingStatefulSinkWriter<T, KafkaWriterState, KafkaCommittable> writer) {
            this.writer = writer;
        }

        @Override
        public void write(T element, Context context) throws IOException, InterruptedException {
            writer.write(element, context);
        }

        @Override
        public void flush(boolean endOfInput) throws IOException, InterruptedException {
            writer.flush(endOfInput);
        }

        @Override
        public void writeWatermark(Watermark watermark) throws IOException, InterruptedException {
            writer.writeWatermark(watermark);
        }

        @Override
        public Collection<KafkaCommittable> prepareCommit()
                throws IOException, InterruptedException {
            return writer.prepareCommit();
        }

        @Override
        public List<KafkaWriterState> snapshotState(long checkpointId) throws IOException {
            return writer.snapshotState(checkpointId);
        }

        @Override
        public void close() throws Exception {
            try {
                writer.close();
            } finally {
                closeAdmin(writer);
            }
        }
    }

    /** Closes the admin client {@code writer} holds in {@link #ADMIN_FIELD}, if any. */
    static void closeAdmin(Object writer) {
        for (Class<?> c = writer.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field field = c.getDeclaredField(ADMIN_FIELD);
                field.setAccessible(true);
                if (field.get(writer) instanceof Admin admin) {
                    field.set(writer, null);
                    admin.close(Duration.ofSeconds(1));
                }
                return;
            } catch (NoSuchFieldException e) {
                // not on this class: look further up
            } catch (ReflectiveOperationException | RuntimeException e) {
                LOG.warn("could not close the Kafka writer's admin client", e);
                return;
            }
        }
    }
}
