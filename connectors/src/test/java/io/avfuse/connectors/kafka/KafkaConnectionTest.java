package io.avfuse.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaConnectionTest {
    @TempDir Path tmp;

    @Test
    void aConfigFileAddsClientPropertiesButNotTheBrokers() throws Exception {
        Path file = tmp.resolve("client.properties");
        Files.writeString(
                file,
                "security.protocol=SASL_SSL\n"
                        + "sasl.mechanism=SCRAM-SHA-512\n"
                        + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule"
                        + " required username=\"u\" password=\"hunter2-secret\";\n"
                        + "bootstrap.servers=10.0.0.1:9092\n");
        KafkaConnection kafka =
                KafkaConnection.to("127.0.0.1:9092")
                        .withConfigFile(file)
                        .with("sasl.mechanism", "SCRAM-SHA-256");
        Properties props = kafka.clientProperties();

        assertThat(props.getProperty("bootstrap.servers")).isEqualTo("127.0.0.1:9092");
        assertThat(props.getProperty("security.protocol")).isEqualTo("SASL_SSL");
        assertThat(props.getProperty("sasl.mechanism")).isEqualTo("SCRAM-SHA-256");
        assertThat(props.getProperty("sasl.jaas.config")).contains("password=\"hunter2-secret\"");
        assertThat(kafka.toString()).contains("sasl.jaas.config").doesNotContain("hunter2");
    }

    @Test
    void noFileGivenAndNoEnvironmentVariableAddsNothing() {
        KafkaConnection plain = KafkaConnection.to("127.0.0.1:9092");
        if (KafkaConnection.configFileFromEnvironment().isEmpty()) {
            assertThat(plain.withConfigFileOrEnvironment(null).clientProperties())
                    .containsOnlyKeys("bootstrap.servers");
        }
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = tmp.resolve("nope.properties");
        assertThatThrownBy(() -> KafkaConnection.to("127.0.0.1:9092").withConfigFile(missing))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Kafka client config file not found: " + missing);
    }
}
