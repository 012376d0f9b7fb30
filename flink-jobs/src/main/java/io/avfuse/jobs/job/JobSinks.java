package io.avfuse.jobs.job;

import io.avfuse.connectors.kafka.AvroKafkaSink;
import io.avfuse.connectors.kafka.KafkaConnection;
import io.avfuse.connectors.serde.RecordType;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.streaming.api.datastream.DataStream;

/** Writes a job's output streams to their configured topics, exactly once. */
final class JobSinks {
    private JobSinks() {}

    /**
     * {@code stream} to the topic named by {@code topic}; the transactional ids are unique per
     * consumer group, job and topic option, so two jobs never fence each other.
     */
    static <T extends SpecificRecord> void exactlyOnce(
            DataStream<T> stream,
            RecordType<T> type,
            ConfigOption<String> topic,
            String job,
            JobConfig cfg,
            KafkaConnection kafka) {
        String name = topic.key().substring(topic.key().indexOf('.') + 1);
        stream.sinkTo(
                        AvroKafkaSink.builder(type)
                                .connection(kafka)
                                .topic(cfg.get(topic))
                                .wireFormat(cfg.get(JobOptions.WIRE_FORMAT))
                                .transactionalIdPrefix(
                                        cfg.get(JobOptions.KAFKA_GROUP) + "-" + job + "-" + name)
                                .build())
                .name(name + "-sink")
                .uid(name + "-sink-v1");
    }
}
