package io.avfuse.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.serde.AvroKafkaDeserializer;
import io.avfuse.connectors.serde.AvroKafkaSerializer;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.connectors.testing.KafkaTestClients;
import io.avfuse.connectors.testing.TestRecords;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every record type, in both wire formats, through a real KRaft broker and back. */
class SerdeRoundTripITCase {
    @RegisterExtension static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();

    static Stream<Arguments> typesAndFormats() {
        return RecordType.ALL.stream()
                .flatMap(t -> Stream.of(WireFormat.values()).map(f -> Arguments.of(t, f)));
    }

    @ParameterizedTest
    @MethodSource("typesAndFormats")
    <T extends SpecificRecord> void roundTripsThroughTheBroker(
            RecordType<T> type, WireFormat format) throws Exception {
        String topic = KAFKA.uniqueTopic(type.name() + "-" + format);
        KAFKA.createTopics(1, (short) 1, topic);
        List<T> sent = new ArrayList<>();
        try (KafkaProducer<String, T> producer =
                new KafkaProducer<>(
                        KafkaTestClients.producerProperties(KAFKA.bootstrapServers()),
                        new StringSerializer(),
                        new AvroKafkaSerializer<>(type, format))) {
            for (int i = 0; i < 20; i++) {
                T record = TestRecords.sample(type, "cam-" + (i % 3), i);
                sent.add(record);
                producer.send(new ProducerRecord<>(topic, type.keyOf(record), record)).get();
            }
        }

        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "rt-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, T>> received = new ArrayList<>();
        try (KafkaConsumer<String, T> consumer =
                new KafkaConsumer<>(
                        p, new StringDeserializer(), new AvroKafkaDeserializer<>(type, format))) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (received.size() < sent.size() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(received::add);
            }
        }
        assertThat(received).extracting(ConsumerRecord::value).containsExactlyElementsOf(sent);
        assertThat(received).allSatisfy(r -> assertThat(r.key()).isEqualTo(type.keyOf(r.value())));
    }
}
