package io.avfuse.jobs.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.ingest.KafkaRecordSink;
import io.avfuse.jobs.model.FusionInferenceTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly once under repeated failures, after Flink's {@code KafkaSinkITCase}: the fusion job,
 * wired as {@link FuseJob#defineFromKafka} wires it (Kafka sources, aligner, the real PyTorch
 * model, exactly-once Kafka sinks), with failures injected by test-only wrappers around its sources
 * and before its sinks (see {@link FailureInjection}), checkpoints every 300 ms, while media
 * ingest's own producer publishes 20 streams of 500 windows of 100 ms. Read back {@code
 * read_committed}: every window exactly once on the prediction and the embedding topic, nothing
 * else, no dead letter, every stream's embedding of window w equal to every other stream's (same
 * input: no record lost or taken twice inside a window), and the consumer group's committed offsets
 * at the end of the input topics (the sources resumed where the last checkpoint left them).
 */
class ExactlyOnceUnderFailuresITCase {
    private static final Logger LOG = LoggerFactory.getLogger(ExactlyOnceUnderFailuresITCase.class);

    private static final int STREAMS = 20;
    private static final int WINDOWS = 500;
    private static final long WINDOW_US = 100_000;
    private static final int FAILURES = 22;

    @RegisterExtension static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();

    @RegisterExtension static final MiniClusterExtension FLINK = JobRest.miniCluster();

    @TempDir Path tmp;

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void everyWindowIsCommittedExactlyOnceThroughTwentyTwoInjectedFailures() throws Exception {
        long started = System.nanoTime();
        Path model = FusionInferenceTest.savedModel(tmp, 16, List.of("video", "audio"));
        ReliabilityTopics topics = ReliabilityTopics.create(KAFKA, "eo");
        List<String> options = topics.jobOptions(model);
        options.addAll(
                List.of(
                        "job.checkpoint-interval=300ms",
                        // the model on its own thread: drains at barriers must keep exactly once
                        "inference.pipelined-batches=1",
                        "job.restart-attempts=" + (FAILURES * 4),
                        "job.restart-delay=100ms",
                        "job.checkpoint-dir=" + tmp.resolve("checkpoints").toUri()));
        JobConfig cfg = JobConfig.load(null, options);

        // FuseJob.defineFromKafka, with the failure wrappers around the sources and sinks.
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        AlignJob.configure(env, cfg);
        AlignJob.KafkaInputs in = AlignJob.kafkaSources(cfg);
        FuseJob.Fused fused =
                FuseJob.define(
                        env,
                        cfg,
                        FailureInjection.source(in.video()),
                        FailureInjection.source(in.audio()),
                        FailureInjection.source(in.text()));
        FuseJob.sinks(
                new FuseJob.Fused(
                        failing(fused.predictions(), "predictions"),
                        failing(fused.embeddings(), "embeddings"),
                        fused.deadLetters()),
                cfg,
                cfg.kafka());

        FailureInjection.plan(FAILURES);
        ReliabilityStreams input = new ReliabilityStreams(STREAMS, WINDOWS, WINDOW_US);
        Set<String> expected = input.expectedWindows();
        JobClient job = env.executeAsync("exactly-once-under-failures");
        try (KafkaRecordSink sink = topics.ingestSink();
                CommittedWindows out = topics.committedWindows()) {
            // Ingest at up to 2.5x real time (20 s) while the job runs and fails; the failures
            // are spread over the input: window w waits for its share of FAILURES - 2 failures.
            CompletableFuture<Void> ingest =
                    CompletableFuture.runAsync(
                            () ->
                                    input.ingest(
                                            sink,
                                            TimeUnit.SECONDS.toNanos(20),
                                            w ->
                                                    awaitFailures(
                                                            (w + 1) * (FAILURES - 2) / WINDOWS,
                                                            w == WINDOWS - 1)));
            long jobStarted = System.nanoTime();
            boolean all = out.awaitAll(expected, Duration.ofSeconds(240));
            long allCommittedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - jobStarted);
            int failuresBeforeAll = FailureInjection.injected();
            ingest.get(10, TimeUnit.SECONDS);
            assertThat(all)
                    .as(
                            "all %d windows committed; have %d, %d failures injected",
                            expected.size(), out.complete(expected), FailureInjection.injected())
                    .isTrue();
            // The rest of the plan (failures armed after the last window) and more checkpoints:
            // nothing more may appear.
            ReliabilityStreams.await(
                    () ->
                            FailureInjection.injected() >= FAILURES
                                    && FailureInjection.restartsObserved()
                                            >= FailureInjection.injected(),
                    TimeUnit.SECONDS.toNanos(60));
            out.drain(Duration.ofSeconds(3));

            int failures = FailureInjection.injected();
            int restarts = FailureInjection.restartsObserved();
            LOG.info(
                    "exactly once under failures: {} windows of {} streams, {} failures injected"
                            + " ({}; {} before the last window was committed), {} restarts"
                            + " observed, mean failure to next completed checkpoint {} ms, all"
                            + " windows committed {} ms after the job was submitted, test {} s",
                    expected.size(),
                    STREAMS,
                    failures,
                    FailureInjection.injectedByPoint(),
                    failuresBeforeAll,
                    restarts,
                    FailureInjection.meanRecoveryMillis(),
                    allCommittedMs,
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
            assertThat(failures).isGreaterThanOrEqualTo(FAILURES);
            // Ingest holds the clock until FAILURES - 2 failures happened, but runs on while a
            // failure waits for a record, and a stream silent for align.idle-flush (10 s) has its
            // last windows emitted anyway: 12-22 of the 22 came before the last commit.
            assertThat(failuresBeforeAll).isGreaterThanOrEqualTo(FAILURES / 3);
            assertThat(restarts).isGreaterThanOrEqualTo(FAILURES);
            assertThat(FailureInjection.injectedByPoint())
                    .as("failures at every point of the checkpoint cycle")
                    .allSatisfy((point, n) -> assertThat(n).isPositive());

            assertThat(job.getJobStatus().get(10, TimeUnit.SECONDS))
                    .as("the job is still running")
                    .isEqualTo(JobStatus.RUNNING);
            topics.assertExactlyOnce(out, input, KAFKA.broker().adminProperties());
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * Holds ingest until {@code n} failures happened, except while the armed failure waits for a
     * record (that one needs input to flow) before the {@code last} window: the clock records that
     * close the last windows are only sent once all but two failures happened.
     */
    private static void awaitFailures(int n, boolean last) {
        try {
            ReliabilityStreams.await(
                    () ->
                            FailureInjection.injected() >= n
                                    || (!last && FailureInjection.waitsForRecord()),
                    TimeUnit.SECONDS.toNanos(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static <T> DataStream<T> failing(DataStream<T> stream, String name) {
        return stream.map(FailureInjection.identity(name))
                .returns(stream.getType())
                .name("inject-failures-" + name)
                .uid("inject-failures-" + name);
    }
}
