package io.avfuse.jobs.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.kafka.KafkaConnection;
import io.avfuse.connectors.serde.AvroSerde;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.connectors.testing.KafkaTestClients;
import io.avfuse.jobs.align.AlignFixtures;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code kafka.starting-offsets} on the job's real video source against a real broker, started
 * without state: COMMITTED resumes at the consumer group's offset, EARLIEST reads the topic again.
 */
class StartingOffsetsITCase {
    @RegisterExtension static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();

    private static final int FRAMES = 10;
    private static final long COMMITTED = 6;

    @Test
    void committedResumesAtTheGroupsOffsetAndEarliestReadsEverything() throws Exception {
        String topic = KAFKA.uniqueTopic("starting-offsets");
        String group = topic + "-group";
        KAFKA.createTopics(1, (short) 1, topic);
        var serde = AvroSerde.of(RecordType.VIDEO_FRAME, WireFormat.SINGLE_OBJECT);
        try (var producer =
                new KafkaProducer<>(
                        KafkaTestClients.producerProperties(KAFKA.bootstrapServers()),
                        new ByteArraySerializer(),
                        new ByteArraySerializer())) {
            for (int i = 0; i < FRAMES; i++) {
                producer.send(
                        new ProducerRecord<>(topic, serde.encode(AlignFixtures.frame("cam", i))));
            }
        }
        try (Admin admin =
                Admin.create(KafkaConnection.to(KAFKA.bootstrapServers()).clientProperties())) {
            admin.alterConsumerGroupOffsets(
                            group,
                            Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(COMMITTED)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }

        assertThat(firstFrames(topic, group, StartingOffsets.COMMITTED, FRAMES - COMMITTED))
                .containsExactly(6L, 7L, 8L, 9L);
        assertThat(firstFrames(topic, group, StartingOffsets.EARLIEST, 3))
                .containsExactly(0L, 1L, 2L);
    }

    /** Frame indexes of the first {@code n} records the job's video source reads. */
    private static List<Long> firstFrames(String topic, String group, StartingOffsets start, long n)
            throws Exception {
        JobConfig cfg =
                JobConfig.of(
                        Map.of(
                                "kafka.bootstrap-servers",
                                KAFKA.bootstrapServers(),
                                "kafka.group-id",
                                group,
                                "kafka.starting-offsets",
                                start.name(),
                                "topics.video",
                                topic));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        return env.fromSource(
                        AlignJob.kafkaSources(cfg).video(),
                        WatermarkStrategy.noWatermarks(),
                        "video-source")
                .map(r -> r.right().getFrameIndex(), Types.LONG)
                .executeAndCollect("starting-offsets-" + start, (int) n);
    }
}
