package io.avfuse.jobs.job;

import io.avfuse.connectors.kafka.AvroKafkaSource;
import io.avfuse.connectors.kafka.KafkaConnection;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.jobs.metrics.LoopbackPrometheusReporterFactory;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.DeadLetter;
import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.VideoFrame;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Either;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The alignment job on its own: Kafka inputs to aligned windows on {@code av.aligned} (for
 * recording training data) and dead letters on {@code av.deadletter}.
 *
 * <p>{@code avfuse align --config avfuse.yaml --set kafka.bootstrap-servers=127.0.0.1:9092}
 */
@Command(
        name = "align",
        mixinStandardHelpOptions = true,
        description = "Align video, audio and text topics into event-time windows.")
public final class AlignJob implements Callable<Integer> {
    private static final ConfigOption<String> CHECKPOINTS_DIRECTORY =
            CheckpointingOptions.CHECKPOINTS_DIRECTORY;

    private static final String LOOPBACK = "127.0.0.1";

    @Mixin JobArgs args = new JobArgs();

    public static void main(String[] args) {
        JobCli.main(new AlignJob(), args);
    }

    @Override
    public Integer call() throws Exception {
        JobConfig cfg = args.load();
        JobCli.checkKafka(cfg);
        StreamExecutionEnvironment env = environment(cfg);
        defineFromKafka(env, cfg, false);
        env.execute("avfuse-align");
        return 0;
    }

    /**
     * The environment of {@code bin/avfuse align|fuse}: the cluster's when submitted to one (its
     * addresses are the cluster's business), else a local MiniCluster whose every server binds
     * 127.0.0.1 ({@link #loopbackOnly}).
     */
    static StreamExecutionEnvironment environment(JobConfig cfg) {
        Configuration conf = clusterConfiguration(cfg);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        if (env instanceof LocalStreamEnvironment) {
            // Not set on a context environment: there rest.address would redirect the submission.
            env = StreamExecutionEnvironment.createLocalEnvironment(loopbackOnly(conf));
        }
        return env;
    }

    /**
     * Binds every server of a local MiniCluster to 127.0.0.1: Flink binds its REST endpoint and web
     * UI ({@code rest.bind-address}) and its blob server ({@code jobmanager.bind-host}) to every
     * interface unless told otherwise.
     */
    public static Configuration loopbackOnly(Configuration conf) {
        conf.set(RestOptions.ADDRESS, LOOPBACK);
        conf.set(RestOptions.BIND_ADDRESS, LOOPBACK);
        conf.set(JobManagerOptions.ADDRESS, LOOPBACK);
        conf.set(JobManagerOptions.BIND_HOST, LOOPBACK);
        conf.set(TaskManagerOptions.HOST, LOOPBACK);
        conf.set(TaskManagerOptions.BIND_HOST, LOOPBACK);
        return conf;
    }

    /**
     * What a local run adds to its MiniCluster's configuration: the loopback Prometheus reporter
     * when {@code metrics.prometheus.port} is set. A job submitted to a cluster runs under the
     * cluster's reporters instead.
     */
    public static Configuration clusterConfiguration(JobConfig cfg) {
        Configuration conf = new Configuration();
        cfg.getOptional(JobOptions.PROMETHEUS_PORT)
                .ifPresent(
                        port ->
                                LoopbackPrometheusReporterFactory.configure(
                                        conf, cfg.get(JobOptions.PROMETHEUS_HOST), port));
        return conf;
    }

    /**
     * The whole alignment job on {@code env}: Kafka topics in, dead letters (and aligned windows
     * when {@code topics.write-aligned}) out.
     *
     * @param bounded read what the topics hold at start, then finish (recording training data)
     */
    public static void defineFromKafka(
            StreamExecutionEnvironment env, JobConfig cfg, boolean bounded) {
        configure(env, cfg);
        KafkaInputs in = kafkaSources(cfg, bounded);
        sinks(
                AlignmentPipeline.define(
                        env,
                        SourceParallelism.fitToPartitions(cfg),
                        in.video(),
                        in.audio(),
                        in.text()),
                cfg,
                cfg.kafka());
    }

    /** The three input sources, as configured. */
    public record KafkaInputs(
            Source<Either<DeadLetter, VideoFrame>, ?, ?> video,
            Source<Either<DeadLetter, AudioChunk>, ?, ?> audio,
            Source<Either<DeadLetter, TextEvent>, ?, ?> text) {}

    public static KafkaInputs kafkaSources(JobConfig cfg) {
        return kafkaSources(cfg, false);
    }

    /**
     * @param bounded end at the offsets that are latest when the job starts (recording what a topic
     *     holds, e.g. training data), instead of running for ever
     */
    public static KafkaInputs kafkaSources(JobConfig cfg, boolean bounded) {
        return new KafkaInputs(
                source(RecordType.VIDEO_FRAME, JobOptions.TOPIC_VIDEO, cfg, bounded),
                source(RecordType.AUDIO_CHUNK, JobOptions.TOPIC_AUDIO, cfg, bounded),
                source(RecordType.TEXT_EVENT, JobOptions.TOPIC_TEXT, cfg, bounded));
    }

    private static <T extends SpecificRecordBase> Source<Either<DeadLetter, T>, ?, ?> source(
            RecordType<T> type, ConfigOption<String> topic, JobConfig cfg, boolean bounded) {
        AvroKafkaSource.Builder<T> builder =
                AvroKafkaSource.builder(type)
                        .connection(cfg.kafka())
                        .groupId(cfg.get(JobOptions.KAFKA_GROUP))
                        .topic(cfg.get(topic))
                        .wireFormat(cfg.get(JobOptions.WIRE_FORMAT))
                        .maxValueBytes(cfg.get(JobOptions.MAX_RECORD_BYTES))
                        .maxFuture(cfg.get(JobOptions.MAX_FUTURE));
        if (bounded) {
            builder.boundedAt(OffsetsInitializer.latest());
        } else {
            builder.startingOffsets(cfg.get(JobOptions.KAFKA_STARTING_OFFSETS).initializer());
        }
        return builder.build();
    }

    /**
     * Settings every avfuse job shares: parallelism, exactly-once checkpoints, no Kryo, object
     * reuse between chained operators, bounded restarts.
     */
    public static void configure(StreamExecutionEnvironment env, JobConfig cfg) {
        env.setParallelism(cfg.get(JobOptions.PARALLELISM));
        env.enableCheckpointing(cfg.get(JobOptions.CHECKPOINT_INTERVAL).toMillis());
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        // Without it Flink deep-copies every Avro record between chained operators: the aligned
        // window's 64 KB of audio into inference, each prediction and embedding into its sink
        // (9 % of the job's CPU in the P1 profile, docs/benchmarks.md).
        conf.set(PipelineOptions.OBJECT_REUSE, cfg.get(JobOptions.OBJECT_REUSE));
        checkpointStorage(env, cfg)
                .ifPresent(
                        dir -> {
                            conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
                            conf.set(CHECKPOINTS_DIRECTORY, dir);
                        });
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS,
                cfg.get(JobOptions.RESTART_ATTEMPTS));
        conf.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY,
                cfg.get(JobOptions.RESTART_DELAY));
        env.configure(conf);
    }

    /**
     * The checkpoint directory the job sets: {@code job.checkpoint-dir} when given; nothing when
     * the cluster's configuration names one (the cluster decides); a directory under the temp dir
     * only for a local MiniCluster, whose in-memory default caps state at 5 MB. A remote cluster
     * without one keeps Flink's default, with a warning: a node-local temp dir cannot be restored
     * from on another node.
     */
    static java.util.Optional<String> checkpointStorage(
            StreamExecutionEnvironment env, JobConfig cfg) {
        java.util.Optional<String> configured = cfg.getOptional(JobOptions.CHECKPOINT_DIR);
        if (configured.isPresent()
                || env.getConfiguration().getOptional(CHECKPOINTS_DIRECTORY).isPresent()) {
            return configured;
        }
        if (env instanceof org.apache.flink.streaming.api.environment.LocalStreamEnvironment) {
            // Not Path.toUri(): it ends in '/' only when the directory already exists.
            return java.util.Optional.of(
                    "file://"
                            + Path.of(System.getProperty("java.io.tmpdir"))
                                    .resolve("avfuse-checkpoints")
                                    .toAbsolutePath());
        }
        org.slf4j.LoggerFactory.getLogger(AlignJob.class)
                .warn(
                        "no checkpoint directory configured (job.checkpoint-dir or"
                                + " execution.checkpointing.dir): Flink keeps checkpoints in the"
                                + " JobManager's memory, capped at 5 MB of state");
        return java.util.Optional.empty();
    }

    public static void sinks(
            AlignmentPipeline.Aligned aligned, JobConfig cfg, KafkaConnection kafka) {
        JobSinks.exactlyOnce(
                aligned.deadLetters(),
                RecordType.DEAD_LETTER,
                JobOptions.TOPIC_DEADLETTER,
                "align",
                cfg,
                kafka);
        if (cfg.get(JobOptions.WRITE_ALIGNED)) {
            JobSinks.exactlyOnce(
                    aligned.windows(),
                    RecordType.ALIGNED_WINDOW,
                    JobOptions.TOPIC_ALIGNED,
                    "align",
                    cfg,
                    kafka);
        }
    }
}
