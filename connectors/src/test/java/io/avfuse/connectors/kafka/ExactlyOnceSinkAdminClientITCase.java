package io.avfuse.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.serde.AvroSerde;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.connectors.testing.KafkaTestClients;
import io.avfuse.connectors.testing.TestRecords;
import io.avfuse.schemas.VideoFrame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * flink-connector-kafka 5.0.0's exactly-once writers open an admin client and never close it; the
 * sink {@link AvroKafkaSink} builds closes it. Both run the same bounded job on a MiniCluster
 * against a real broker: the connector's own sink leaves its writers' admin-client threads running
 * after the job has finished, avfuse's leaves none, and both deliver every record.
 */
class ExactlyOnceSinkAdminClientITCase {
    @RegisterExtension static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private static final String ADMIN_THREAD = "kafka-admin-client-thread";
    private static final int FRAMES = 40;
    private static final int PARALLELISM = 2;

    @Test
    void theConnectorsSinkLeavesAdminClientsRunningAndAvfusesClosesThem() throws Exception {
        String leaky = KAFKA.uniqueTopic("admin-leak-connector");
        String closing = KAFKA.uniqueTopic("admin-leak-avfuse");
        KAFKA.createTopics(1, (short) 1, leaky, closing);

        Set<String> before = adminThreads();
        run(connectorSinkTo(leaky), "connector-sink");
        assertDelivered(leaky);
        // Sleeping is fine here: the connector never closes them, so waiting longer changes
        // nothing.
        Thread.sleep(2_000);
        Set<String> leaked = new TreeSet<>(adminThreads());
        leaked.removeAll(before);
        assertThat(leaked)
                .as(
                        "the connector's exactly-once writers left their admin clients running (if"
                                + " this fails, the connector closes them now and"
                                + " AdminClosingKafkaSink can go)")
                .hasSizeGreaterThanOrEqualTo(PARALLELISM);

        Set<String> beforeAvfuse = adminThreads();
        run(
                AvroKafkaSink.builder(RecordType.VIDEO_FRAME)
                        .connection(KafkaConnection.to(KAFKA.bootstrapServers()))
                        .topic(closing)
                        .transactionalIdPrefix(closing)
                        .build(),
                "avfuse-sink");
        assertDelivered(closing);
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        Set<String> left;
        do {
            left = new TreeSet<>(adminThreads());
            left.removeAll(beforeAvfuse);
            if (left.isEmpty()) {
                break;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        assertThat(left).as("admin-client threads left by avfuse's sink").isEmpty();
    }

    /** The connector's sink exactly as AvroKafkaSink configures it, without the wrapper. */
    private static Sink<VideoFrame> connectorSinkTo(String topic) {
        return ((AdminClosingKafkaSink<VideoFrame>)
                        AvroKafkaSink.builder(RecordType.VIDEO_FRAME)
                                .connection(KafkaConnection.to(KAFKA.bootstrapServers()))
                                .topic(topic)
                                .transactionalIdPrefix(topic)
                                .build())
                .kafkaSink();
    }

    private static void run(Sink<VideoFrame> sink, String name) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(PARALLELISM);
        env.enableCheckpointing(200);
        List<VideoFrame> frames = new ArrayList<>();
        for (int i = 0; i < FRAMES; i++) {
            frames.add(TestRecords.videoFrame("cam-" + (i % 4), i));
        }
        env.fromData(frames).sinkTo(sink).name(name);
        env.executeAsync(name).getJobExecutionResult().get(120, TimeUnit.SECONDS);
    }

    private static void assertDelivered(String topic) throws Exception {
        AvroSerde<VideoFrame> serde =
                AvroSerde.of(RecordType.VIDEO_FRAME, WireFormat.SINGLE_OBJECT);
        List<VideoFrame> read = new ArrayList<>();
        for (var r :
                KafkaTestClients.readAll(
                        KAFKA.bootstrapServers(), topic, true, Duration.ofSeconds(30))) {
            read.add(serde.decode(r.value()));
        }
        assertThat(read).hasSize(FRAMES);
    }

    private static Set<String> adminThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> n.startsWith(ADMIN_THREAD))
                .collect(Collectors.toSet());
    }
}
