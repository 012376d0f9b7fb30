package io.avfuse.jobs.job;

import io.avfuse.connectors.kafka.KafkaConnection;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.jobs.fuse.PredictionMetrics;
import io.avfuse.jobs.model.ModelDirectory;
import io.avfuse.jobs.model.Scored;
import io.avfuse.jobs.swap.HotSwapInferenceOperator;
import io.avfuse.jobs.swap.ModelSwapSettings;
import io.avfuse.schemas.AlignedWindow;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.DeadLetter;
import io.avfuse.schemas.Embedding;
import io.avfuse.schemas.Prediction;
import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.VideoFrame;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.types.Either;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The fusion job: align, batch across streams, one model call per batch, and predictions and
 * embeddings to Kafka exactly once. Dead letters of every stage go to the dead-letter topic.
 *
 * <p>{@code avfuse fuse --set model.dir=models/demo --set kafka.bootstrap-servers=127.0.0.1:9092}
 */
@Command(
        name = "fuse",
        mixinStandardHelpOptions = true,
        description = "Predict and embed aligned audio-visual windows with a fusion model.")
public final class FuseJob implements Callable<Integer> {
    @Mixin JobArgs args = new JobArgs();

    /** The job's outputs. */
    public record Fused(
            DataStream<Prediction> predictions,
            DataStream<Embedding> embeddings,
            DataStream<DeadLetter> deadLetters) {}

    public static void main(String[] args) {
        JobCli.main(new FuseJob(), args);
    }

    /** The wiring: sources in, the three output streams out. */
    public static Fused define(
            StreamExecutionEnvironment env,
            JobConfig cfg,
            Source<Either<DeadLetter, VideoFrame>, ?, ?> video,
            Source<Either<DeadLetter, AudioChunk>, ?, ?> audio,
            Source<Either<DeadLetter, TextEvent>, ?, ?> text) {
        String modelDir =
                cfg.getOptional(JobOptions.MODEL_DIR)
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                "option 'model.dir' is required by the fuse job"));
        verifyModel(Path.of(modelDir));
        return define(
                env,
                cfg,
                video,
                audio,
                text,
                new HotSwapInferenceOperator(
                        Path.of(modelDir),
                        swapSettings(cfg),
                        cfg.get(JobOptions.BATCH_SIZE),
                        cfg.get(JobOptions.MAX_WAIT).toMillis(),
                        cfg.get(JobOptions.CPU_THREADS),
                        cfg.get(JobOptions.PIPELINED_BATCHES)));
    }

    /**
     * The same wiring around another inference operator: the benchmarks measure the pipeline's own
     * ceiling with a model that costs nothing (EndToEndBenchmark). The job itself always serves
     * model.dir through {@link HotSwapInferenceOperator}.
     */
    public static Fused define(
            StreamExecutionEnvironment env,
            JobConfig cfg,
            Source<Either<DeadLetter, VideoFrame>, ?, ?> video,
            Source<Either<DeadLetter, AudioChunk>, ?, ?> audio,
            Source<Either<DeadLetter, TextEvent>, ?, ?> text,
            OneInputStreamOperator<AlignedWindow, Scored> inference) {
        AlignmentPipeline.Aligned aligned = AlignmentPipeline.define(env, cfg, video, audio, text);
        SingleOutputStreamOperator<Scored> scored =
                aligned.windows()
                        .transform("infer", TypeInformation.of(Scored.class), inference)
                        .uid("infer-v1");
        DataStream<Prediction> predictions =
                scored.map(new PredictionMetrics())
                        .returns(new AvroTypeInfo<>(Prediction.class))
                        .name("predictions")
                        .uid("predictions-v1");
        DataStream<Embedding> embeddings =
                scored.map(s -> s.embedding)
                        .returns(new AvroTypeInfo<>(Embedding.class))
                        .name("embeddings")
                        .uid("embeddings-v1");
        return new Fused(predictions, embeddings, aligned.deadLetters());
    }

    /**
     * Where the running job learns of new model versions (model.control-topic, model.watch-dir).
     */
    static ModelSwapSettings swapSettings(JobConfig cfg) {
        return new ModelSwapSettings(
                cfg.kafka(),
                cfg.getOptional(JobOptions.MODEL_CONTROL_TOPIC).orElse(null),
                cfg.getOptional(JobOptions.MODEL_WATCH_DIR).orElse(null),
                cfg.get(JobOptions.MODEL_POLL_INTERVAL));
    }

    /**
     * Loads the model once before the job is built: a missing or mismatched model fails here with
     * the loader's message instead of failing every task restart.
     */
    static void verifyModel(Path dir) {
        try (ModelDirectory.Loaded ignored = ModelDirectory.load(dir, ai.djl.Device.cpu())) {
            // loaded, probed and closed
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("option 'model.dir': " + e.getMessage(), e);
        }
    }

    /** Predictions, embeddings and dead letters to their topics, exactly once. */
    public static void sinks(Fused fused, JobConfig cfg, KafkaConnection kafka) {
        JobSinks.exactlyOnce(
                fused.predictions(),
                RecordType.PREDICTION,
                JobOptions.TOPIC_PREDICTIONS,
                "fuse",
                cfg,
                kafka);
        JobSinks.exactlyOnce(
                fused.embeddings(),
                RecordType.EMBEDDING,
                JobOptions.TOPIC_EMBEDDINGS,
                "fuse",
                cfg,
                kafka);
        JobSinks.exactlyOnce(
                fused.deadLetters(),
                RecordType.DEAD_LETTER,
                JobOptions.TOPIC_DEADLETTER,
                "fuse",
                cfg,
                kafka);
    }

    @Override
    public Integer call() throws Exception {
        JobConfig cfg = args.load();
        JobCli.checkKafka(cfg);
        StreamExecutionEnvironment env = AlignJob.environment(cfg);
        defineFromKafka(env, cfg, false);
        env.execute("avfuse-fuse");
        return 0;
    }

    /**
     * The whole fusion job on {@code env}: Kafka topics in, predictions, embeddings and dead
     * letters out, exactly once.
     *
     * @param bounded read what the topics hold at start, then finish (benchmarks, backfills)
     */
    public static void defineFromKafka(
            StreamExecutionEnvironment env, JobConfig cfg, boolean bounded) {
        AlignJob.configure(env, cfg);
        AlignJob.KafkaInputs in = AlignJob.kafkaSources(cfg, bounded);
        JobConfig fitted = SourceParallelism.fitToPartitions(cfg);
        sinks(define(env, fitted, in.video(), in.audio(), in.text()), cfg, cfg.kafka());
    }
}
