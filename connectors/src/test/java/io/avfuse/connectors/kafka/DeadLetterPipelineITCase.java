package io.avfuse.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.serde.AvroSerde;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.connectors.testing.KafkaTestClients;
import io.avfuse.connectors.testing.TestRecords;
import io.avfuse.schemas.DeadLetter;
import io.avfuse.schemas.VideoFrame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Flink job on a MiniCluster reads a topic where valid frames are interleaved with malformed
 * ones: the valid ones come out exactly once (read_committed), every bad one is in the dead-letter
 * topic with its reason and raw bytes, the metric counts them, the job never fails.
 */
class DeadLetterPipelineITCase {
    @RegisterExtension static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setConfiguration(METRICS.addToConfiguration(new Configuration()))
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    @Test
    void badRecordsGoToTheDeadLetterTopicAndGoodOnesThroughExactlyOnce() throws Exception {
        String in = KAFKA.uniqueTopic("frames-in");
        String out = KAFKA.uniqueTopic("frames-out");
        String dlq = KAFKA.uniqueTopic("deadletter");
        KAFKA.createTopics(2, (short) 1, in, out, dlq);

        AvroSerde<VideoFrame> serde =
                AvroSerde.of(RecordType.VIDEO_FRAME, WireFormat.SINGLE_OBJECT);
        Random rnd = new Random(7);
        List<ProducerRecord<byte[], byte[]>> input = new ArrayList<>();
        List<VideoFrame> valid = new ArrayList<>();
        Set<String> badPayloads = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            String stream = "cam-" + (i % 4);
            byte[] key = stream.getBytes(StandardCharsets.UTF_8);
            VideoFrame frame = TestRecords.videoFrame(stream, i);
            byte[] good = serde.encode(frame);
            valid.add(frame);
            input.add(new ProducerRecord<>(in, key, good));
            if (i % 2 == 0) {
                byte[] bad =
                        switch (i % 6) {
                            case 0 -> Arrays.copyOf(good, good.length / 2); // truncated
                            case 2 -> randomBytes(rnd); // garbage
                            default -> wrongSize(serde, stream, i); // valid Avro, bad frame
                        };
                badPayloads.add(HexFormat.of().formatHex(bad));
                input.add(new ProducerRecord<>(in, key, bad));
            }
        }
        KafkaTestClients.produce(KAFKA.bootstrapServers(), input);

        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false); // Either + Avro must need no Kryo
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        env.enableCheckpointing(300);
        KafkaConnection kafka = KafkaConnection.to(KAFKA.bootstrapServers());
        DeadLetterSplitter.Split<VideoFrame> split =
                DeadLetterSplitter.split(
                        env.fromSource(
                                AvroKafkaSource.builder(RecordType.VIDEO_FRAME)
                                        .connection(kafka)
                                        .topic(in)
                                        .groupId("dl-it")
                                        .boundedAt(OffsetsInitializer.latest())
                                        .build(),
                                WatermarkStrategy.noWatermarks(),
                                "video-source"),
                        VideoFrame.class,
                        "video");
        split.records()
                .sinkTo(
                        AvroKafkaSink.builder(RecordType.VIDEO_FRAME)
                                .connection(kafka)
                                .topic(out)
                                .transactionalIdPrefix(out)
                                .build())
                .name("frames-out");
        split.deadLetters()
                .sinkTo(
                        AvroKafkaSink.builder(RecordType.DEAD_LETTER)
                                .connection(kafka)
                                .topic(dlq)
                                .transactionalIdPrefix(dlq)
                                .build())
                .name("dead-letters");
        JobClient job = env.executeAsync("dead-letter-it");
        job.getJobExecutionResult().get(120, TimeUnit.SECONDS);

        List<ConsumerRecord<byte[], byte[]>> outRecords =
                KafkaTestClients.readAll(
                        KAFKA.bootstrapServers(), out, true, Duration.ofSeconds(30));
        List<VideoFrame> decoded = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : outRecords) {
            VideoFrame f = serde.decode(r.value());
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(f.getStreamId());
            decoded.add(f);
        }
        assertThat(decoded).containsExactlyInAnyOrderElementsOf(valid);

        List<ConsumerRecord<byte[], byte[]>> dlqRecords =
                KafkaTestClients.readAll(
                        KAFKA.bootstrapServers(), dlq, true, Duration.ofSeconds(30));
        AvroSerde<DeadLetter> dlSerde =
                AvroSerde.of(RecordType.DEAD_LETTER, WireFormat.SINGLE_OBJECT);
        Set<String> deadPayloads = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : dlqRecords) {
            DeadLetter d = dlSerde.decode(r.value());
            assertThat(d.getSourceTopic()).isEqualTo(in);
            assertThat(d.getErrorMessage()).isNotBlank();
            assertThat(d.getStage()).isIn("decode", "validate");
            byte[] raw = new byte[d.getRawValue().remaining()];
            d.getRawValue().duplicate().get(raw);
            deadPayloads.add(HexFormat.of().formatHex(raw));
        }
        assertThat(dlqRecords).hasSize(badPayloads.size());
        assertThat(deadPayloads).isEqualTo(badPayloads);

        JobID id = job.getJobID();
        long counted =
                METRICS.findMetrics(id, "deadLetters").values().stream()
                        .mapToLong(m -> ((Counter) m).getCount())
                        .sum();
        long decodedCount =
                METRICS.findMetrics(id, "recordsDecoded").values().stream()
                        .mapToLong(m -> ((Counter) m).getCount())
                        .sum();
        assertThat(counted).isEqualTo(badPayloads.size());
        assertThat(decodedCount).isEqualTo(valid.size());
    }

    private static byte[] randomBytes(Random rnd) {
        byte[] b = new byte[5 + rnd.nextInt(80)];
        rnd.nextBytes(b);
        return b;
    }

    private static byte[] wrongSize(AvroSerde<VideoFrame> serde, String stream, int i) {
        VideoFrame f = TestRecords.videoFrame(stream, 1000 + i);
        f.setWidth(f.getWidth() + 1);
        return serde.encode(f);
    }
}
