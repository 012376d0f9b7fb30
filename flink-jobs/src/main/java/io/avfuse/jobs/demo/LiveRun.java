package io.avfuse.jobs.demo;

import io.avfuse.connectors.broker.KafkaBroker;
import io.avfuse.connectors.kafka.TopicNames;
import io.avfuse.connectors.kafka.TopicReader;
import io.avfuse.connectors.serde.AvroSerde;
import io.avfuse.connectors.serde.MalformedRecordException;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.jobs.job.FuseJob;
import io.avfuse.jobs.job.JobConfig;
import io.avfuse.jobs.metrics.LoopbackPrometheusReporterFactory;
import io.avfuse.jobs.model.ModelManifest;
import io.avfuse.jobs.train.ClipLabels;
import io.avfuse.jobs.train.LocalPipeline;
import io.avfuse.schemas.Prediction;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * The live half of the demo: the fusion job on a MiniCluster with its web UI, live clips ingested
 * at real-time pace (one of them without audio, one without video), and every committed prediction
 * scored against the clips' labels.
 */
final class LiveRun {
    /**
     * After the last record, how long the job gets to emit the last windows (idle flush + commit).
     */
    private static final Duration DRAIN = Duration.ofSeconds(30);

    private final DemoCommand demo;
    private final PrintWriter out;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    LiveRun(DemoCommand demo, PrintWriter out) {
        this.demo = demo;
        this.out = out;
    }

    int run(KafkaBroker broker, Path modelDir, Path work) throws Exception {
        ModelManifest manifest = ModelManifest.read(modelDir);
        Path clips = work.resolve("live");
        int streams = DemoCommand.LIVE_STREAMS.size();
        LocalPipeline.generate(clips, streams, demo.liveWindows, demo.seed + 1_000);
        TopicNames topics = TopicNames.defaults();

        JobClient job = startJob(broker.bootstrapServers(), topics, modelDir, manifest);
        out.printf(
                "[3/4] fusion job running on a local MiniCluster: Flink web UI at"
                        + " http://127.0.0.1:%d%n",
                demo.webPort);
        if (demo.metricsPort > 0) {
            out.printf(
                    "      metrics for Prometheus at http://127.0.0.1:%d/metrics%n",
                    demo.metricsPort);
        }
        out.flush();
        try {
            awaitRunning(job);
            long anchorUs = LocalPipeline.nextWholeSecondUs();
            Map<String, Scoreboard.Truth> truths = new LinkedHashMap<>();
            for (int i = 0; i < streams; i++) {
                truths.put(
                        DemoCommand.LIVE_STREAMS.get(i)[0],
                        new Scoreboard.Truth(
                                ClipLabels.read(clips.resolve("clip" + i + ".labels.json")),
                                anchorUs));
            }
            Scoreboard board =
                    new Scoreboard(truths, manifest.labels(), demo.loop, demo.quiet, out);
            out.printf(
                    "[4/4] ingesting %d live clips of %d s at real-time pace%s: %s%n",
                    streams,
                    demo.liveWindows,
                    demo.loop ? ", looping until Ctrl-C" : "",
                    String.join(", ", truths.keySet()));
            out.println(
                    "  stream         window label        confidence  truth                   "
                            + " present  degraded latency");
            out.flush();
            Thread consumer = consume(broker.bootstrapServers(), topics.predictions(), board);
            if (demo.loop) {
                printSummaryOnExit(board, manifest.version());
            }
            sleepUntil(anchorUs);
            List<Thread> ingests = ingest(broker.bootstrapServers(), topics, clips, anchorUs);
            for (Thread t : ingests) {
                t.join();
            }
            int expected = streams * demo.liveWindows;
            long deadline = System.nanoTime() + DRAIN.toNanos();
            while (board.windows() < expected
                    && System.nanoTime() < deadline
                    && failure.get() == null
                    && !job.getJobStatus().get().isGloballyTerminalState()) {
                Thread.sleep(200);
            }
            JobStatus status = job.getJobStatus().get();
            if (status.isGloballyTerminalState() && board.windows() < expected) {
                fail(new IllegalStateException("the fusion job ended early: " + status));
            }
            if (failure.get() != null) {
                stopped.set(true);
                board.summary(manifest.version());
                return 1;
            }
            stopped.set(true);
            consumer.join();
            board.summary(manifest.version());
            if (board.windows() < expected) {
                out.printf(
                        "avfuse demo: only %d of %d windows were predicted within %d s%n",
                        board.windows(), expected, DRAIN.toSeconds());
                return 1;
            }
            return 0;
        } finally {
            stopped.set(true);
            cancel(job);
        }
    }

    private JobClient startJob(
            String bootstrap, TopicNames topics, Path modelDir, ModelManifest manifest)
            throws Exception {
        List<String> options = LocalPipeline.jobOptions(bootstrap, "avfuse-demo-live", topics);
        options.addAll(
                List.of(
                        "topics.predictions=" + topics.predictions(),
                        "topics.embeddings=" + topics.embeddings(),
                        "align.frames-per-window=" + manifest.frames(),
                        "model.dir=" + modelDir,
                        "inference.batch-size=16",
                        "inference.max-wait=50ms",
                        "job.parallelism=2",
                        "job.checkpoint-interval=1s"));
        JobConfig cfg = JobConfig.load(null, options);
        Configuration cluster = LocalPipeline.loopbackCluster(demo.webPort);
        if (demo.metricsPort > 0) {
            LoopbackPrometheusReporterFactory.configure(
                    cluster, "127.0.0.1", Integer.toString(demo.metricsPort));
        }
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(cluster);
        FuseJob.defineFromKafka(env, cfg, false);
        return env.executeAsync("avfuse-demo");
    }

    private void cancel(JobClient job) {
        try {
            if (!job.getJobStatus().get().isGloballyTerminalState()) {
                job.cancel().get(30, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            out.println("avfuse demo: could not cancel the fusion job: " + e);
            return;
        }
        awaitEnd(job);
    }

    /**
     * cancel() returns once the request is taken; the sources close their Kafka clients only as
     * their tasks end. Waiting for that lets the broker stop after them, so their clients log no
     * reconnect warnings under the summary. The local MiniCluster shuts down with its job, after
     * which the status cannot be asked: that too means the job has ended.
     */
    private static void awaitEnd(JobClient job) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        try {
            while (!job.getJobStatus().get().isGloballyTerminalState()
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception clusterGone) {
            // ended: see above
        }
    }

    private static void awaitRunning(JobClient job) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            JobStatus status = job.getJobStatus().get();
            if (status == JobStatus.RUNNING) {
                return;
            }
            if (status.isGloballyTerminalState()) {
                throw new IllegalStateException("the fusion job ended at start: " + status);
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the fusion job did not start within 60 s");
    }

    /** One thread per live clip, each an {@code avfuse ingest} at real-time pace. */
    private List<Thread> ingest(String bootstrap, TopicNames topics, Path clips, long anchorUs) {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < DemoCommand.LIVE_STREAMS.size(); i++) {
            String[] stream = DemoCommand.LIVE_STREAMS.get(i);
            List<String> flags = new ArrayList<>(List.of("--pace", "realtime"));
            flags.addAll(List.of("--stream-id", stream[0]));
            for (int f = 1; f < stream.length; f++) {
                flags.add(stream[f]);
            }
            if (demo.loop) {
                flags.add("--loop");
            }
            Path clip = clips.resolve("clip" + i + ".mp4");
            Thread t =
                    new Thread(
                            () -> {
                                try {
                                    LocalPipeline.ingest(bootstrap, topics, anchorUs, flags, clip);
                                } catch (Throwable e) {
                                    fail(e);
                                }
                            },
                            "demo-ingest-" + stream[0]);
            t.start();
            threads.add(t);
        }
        return threads;
    }

    /** Reads committed predictions (read_committed) and scores them as they arrive. */
    private Thread consume(String bootstrap, String topic, Scoreboard board) {
        Properties props = TopicReader.consumerProperties(bootstrap, true);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "avfuse-demo-scoreboard");
        AvroSerde<Prediction> serde = AvroSerde.of(RecordType.PREDICTION, WireFormat.SINGLE_OBJECT);
        Thread t =
                new Thread(
                        () -> {
                            try (KafkaConsumer<byte[], byte[]> consumer =
                                    new KafkaConsumer<>(props)) {
                                readLoop(consumer, topic, serde, board);
                            } catch (Throwable e) {
                                fail(e);
                            }
                        },
                        "demo-scoreboard");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Reported at once (a looping run may go on for hours) and returned by the main thread. */
    private void fail(Throwable e) {
        if (failure.compareAndSet(null, e)) {
            out.println("avfuse demo: " + e);
            out.flush();
        }
    }

    private void readLoop(
            KafkaConsumer<byte[], byte[]> consumer,
            String topic,
            AvroSerde<Prediction> serde,
            Scoreboard board) {
        consumer.subscribe(List.of(topic));
        while (!stopped.get()) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                long now = System.currentTimeMillis() * 1000;
                try {
                    board.add(serde.decode(r.value()), now);
                } catch (MalformedRecordException e) {
                    out.println("  undecodable prediction: " + e);
                }
            }
        }
    }

    /** Ctrl-C ends a looping demo: the summary comes from what was scored, no broker needed. */
    private void printSummaryOnExit(Scoreboard board, String version) {
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    stopped.set(true);
                                    out.println();
                                    board.summary(version);
                                },
                                "demo-summary"));
    }

    private static void sleepUntil(long epochUs) throws InterruptedException {
        long ms = epochUs / 1000 - System.currentTimeMillis();
        if (ms > 0) {
            Thread.sleep(ms);
        }
    }
}
