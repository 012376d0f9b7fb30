package io.avfuse.jobs.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.jobs.align.Modality;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobConfigTest {
    @TempDir Path tmp;

    @Test
    void defaultsSuit25FpsVideoAnd16kHzAudio() {
        JobConfig cfg = JobConfig.defaults();
        assertThat(cfg.alignerConfig().windowUs()).isEqualTo(1_000_000);
        assertThat(cfg.alignerConfig().hopUs()).isEqualTo(1_000_000);
        assertThat(cfg.alignerConfig().tolerance(Modality.TEXT)).isEqualTo(2_000_000);
        assertThat(cfg.get(JobOptions.WIRE_FORMAT)).isEqualTo(WireFormat.SINGLE_OBJECT);
        assertThat(cfg.kafka().bootstrapServers()).isEqualTo("127.0.0.1:9092");
    }

    @Test
    void yamlFileNestedOrDottedWithCommandLineOverridesOnTop() throws Exception {
        Path yaml = tmp.resolve("avfuse.yaml");
        Files.writeString(
                yaml,
                """
                kafka:
                  bootstrap-servers: 127.0.0.1:19092
                  property:
                    security.protocol: SASL_SSL
                align:
                  window: 2s
                  hop: 500ms
                  tolerance.audio: 40ms
                job.parallelism: 3
                """);
        JobConfig cfg =
                JobConfig.load(yaml, List.of("align.hop=1s", "kafka.wire-format=CONFLUENT"));
        assertThat(cfg.alignerConfig().windowUs()).isEqualTo(2_000_000);
        assertThat(cfg.alignerConfig().hopUs()).isEqualTo(1_000_000);
        assertThat(cfg.alignerConfig().tolerance(Modality.AUDIO)).isEqualTo(40_000);
        assertThat(cfg.get(JobOptions.PARALLELISM)).isEqualTo(3);
        assertThat(cfg.get(JobOptions.WIRE_FORMAT)).isEqualTo(WireFormat.CONFLUENT);
        assertThat(cfg.kafka().clientProperties())
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("bootstrap.servers", "127.0.0.1:19092");
        assertThat(cfg.get(JobOptions.IDLENESS)).isEqualTo(Duration.ofSeconds(5));
        assertThat(cfg.get(JobOptions.IDLENESS_STARTUP)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void kafkaClientSettingsComeFromTheConfigFileWithPropertiesOnTop() throws Exception {
        Path client = tmp.resolve("client.properties");
        Files.writeString(
                client, "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\nlinger.ms=7\n");
        JobConfig cfg =
                JobConfig.load(
                        null,
                        List.of(
                                "kafka.config-file=" + client,
                                "kafka.property.linger.ms=9",
                                "kafka.bootstrap-servers=127.0.0.1:1234"));
        var props = cfg.kafka().clientProperties();
        assertThat(props.getProperty("security.protocol")).isEqualTo("SASL_SSL");
        assertThat(props.getProperty("sasl.mechanism")).isEqualTo("SCRAM-SHA-512");
        assertThat(props.getProperty("linger.ms")).isEqualTo("9");
        assertThat(props.getProperty("bootstrap.servers")).isEqualTo("127.0.0.1:1234");

        Path missing = tmp.resolve("missing.properties");
        assertThatThrownBy(() -> JobConfig.load(null, List.of("kafka.config-file=" + missing)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(missing.toString());
    }

    @Test
    void unknownKeysFailNamingTheKeyAndTheLikelyOne() {
        assertThatThrownBy(() -> JobConfig.load(null, List.of("align.windw=2s")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown option 'align.windw'")
                .hasMessageContaining("did you mean 'align.window'");
    }

    @Test
    void badValuesFailNamingTheKey() {
        assertThatThrownBy(() -> JobConfig.load(null, List.of("align.window=soon")))
                .hasMessageContaining("'align.window'")
                .hasMessageContaining("soon");
        assertThatThrownBy(() -> JobConfig.load(null, List.of("job.parallelism=two")))
                .hasMessageContaining("'job.parallelism'");
        assertThatThrownBy(() -> JobConfig.load(null, List.of("align.hop=3s")))
                .hasMessageContaining("bad align.* options")
                .hasMessageContaining("hop");
        assertThatThrownBy(
                        () -> JobConfig.load(null, List.of("watermarks.alignment.max-drift=-1s")))
                .hasMessageContaining("'watermarks.alignment.max-drift'");
        assertThatThrownBy(() -> JobConfig.load(null, List.of("watermarks.idleness.startup=0s")))
                .hasMessageContaining("'watermarks.idleness.startup' must be positive");
        assertThatThrownBy(() -> JobConfig.load(null, List.of("inference.cpu-threads=-2")))
                .hasMessageContaining("'inference.cpu-threads'");
        assertThatThrownBy(() -> JobConfig.load(null, List.of("align.idle-flush=500micros")))
                .hasMessageContaining("idle flush");
        assertThatThrownBy(() -> JobConfig.load(null, List.of("novalue")))
                .hasMessageContaining("not of the form key=value");
        assertThatThrownBy(() -> JobConfig.load(tmp.resolve("missing.yaml"), List.of()))
                .hasMessageContaining("config file not found");
    }

    @Test
    void checkpointsGoWhereConfiguredElseToATempDirOnlyLocally() {
        var local =
                org.apache.flink.streaming.api.environment.StreamExecutionEnvironment
                        .createLocalEnvironment(1);
        assertThat(
                        AlignJob.checkpointStorage(
                                local,
                                JobConfig.load(null, List.of("job.checkpoint-dir=s3://b/c"))))
                .contains("s3://b/c");
        assertThat(AlignJob.checkpointStorage(local, JobConfig.load(null, List.of())))
                .hasValueSatisfying(
                        dir ->
                                assertThat(dir)
                                        .startsWith("file:///")
                                        .endsWith("/avfuse-checkpoints"));
        var cluster = new org.apache.flink.configuration.Configuration();
        cluster.set(
                org.apache.flink.configuration.CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                "hdfs:///ckpt");
        var configured =
                org.apache.flink.streaming.api.environment.StreamExecutionEnvironment
                        .createLocalEnvironment(cluster);
        // The cluster names one: the job leaves it alone.
        assertThat(AlignJob.checkpointStorage(configured, JobConfig.load(null, List.of())))
                .isEmpty();
    }

    @Test
    void helpListsEveryOption() {
        String help = JobConfig.describeOptions();
        for (var option : JobOptions.ALL) {
            assertThat(help).contains(option.key());
        }
    }
}
