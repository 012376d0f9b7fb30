package io.avfuse.connectors.testing;

import io.avfuse.connectors.kafka.TopicReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Plain Kafka clients for tests: produce raw bytes, read a whole topic back. */
public final class KafkaTestClients {
    private KafkaTestClients() {}

    /** Producer settings that survive a topic created a moment ago (see stack notes). */
    public static Properties producerProperties(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        return p;
    }

    /** Sends every record and waits for each acknowledgement. */
    public static void produce(String bootstrap, List<ProducerRecord<byte[], byte[]>> records)
            throws Exception {
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(
                        producerProperties(bootstrap),
                        new ByteArraySerializer(),
                        new ByteArraySerializer())) {
            List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
            for (ProducerRecord<byte[], byte[]> r : records) {
                acks.add(producer.send(r));
            }
            for (java.util.concurrent.Future<?> ack : acks) {
                ack.get(30, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * Reads {@code topic} from the beginning to its current end (the last stable offset when {@code
     * readCommitted}), failing after {@code timeout}.
     */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(
            String bootstrap, String topic, boolean readCommitted, Duration timeout) {
        try {
            return TopicReader.readAll(bootstrap, topic, readCommitted, timeout);
        } catch (IllegalStateException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }
}
