package io.avfuse.jobs.bench;

import io.avfuse.connectors.broker.KafkaBroker;
import io.avfuse.connectors.kafka.TopicReader;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.testing.KafkaTestClients;
import io.avfuse.jobs.align.AlignFixtures;
import io.avfuse.jobs.align.ModalityEvent;
import io.avfuse.jobs.infer.BatchingInferenceOperator;
import io.avfuse.jobs.job.AlignJob;
import io.avfuse.jobs.job.FuseJob;
import io.avfuse.jobs.job.JobConfig;
import io.avfuse.jobs.job.JobOptions;
import io.avfuse.jobs.model.FusionInference;
import io.avfuse.jobs.model.FusionInferenceTest;
import io.avfuse.jobs.model.ModelManifest;
import io.avfuse.schemas.AlignedWindow;
import io.avfuse.schemas.Prediction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * P1: windows/s through Kafka, the fusion job on a MiniCluster (parallelism 1) and back to Kafka,
 * against the same model's batched throughput called directly on the same aligned windows, with the
 * same batch size, in the same JVM, alternated. The end-to-end rate is the steady output rate of a
 * backlog: predictions between the first and the last handed to the sink, so job start-up and the
 * first watermark are not counted. The model is P2's: freshly initialised, 4 frames of 16x16 scaled
 * up, 1 s of 16 kHz audio through log-mel, embedding 64, gated fusion.
 *
 * <p>{@code -Davfuse.p1.before="job.object-reuse=false"} (job options, separated by {@code ;}) adds
 * an A/B: every round also runs the job with those options, in alternating order with the defaults,
 * and the medians of both are printed with their ratio (before/after a change). An entry {@code
 * -Dname=value} is a system property set for the before run only, for switches read in the
 * TaskManager, which is this JVM: {@code
 * -Davfuse.p1.before="-Davfuse.model.kept-input-buffers=false"}.
 *
 * <p>The pipeline's own ceiling: every round also runs the same job, windows and sinks with {@link
 * FreeModelStub} in place of the model (a benchmark stub that returns fixed results without calling
 * libtorch), so its rate X is what the rest of the job sustains on these cores. If the pipeline and
 * the model are both CPU-bound on the same cores, the end-to-end rate E is about 1/(1/X + 1/D) (D:
 * the direct calls) and P1 = E/D is at most X/(X+D). The CPU seconds per window of this JVM and of
 * the broker's JVM in each run's steady phase are printed with it. {@code
 * -Davfuse.p1.no-model=false} leaves the variant out (the default when several parallelisms run, as
 * SCALE does); {@code =only} runs nothing else (to profile it alone).
 *
 * <p>{@code ./mvnw -q -pl flink-jobs exec:exec -Dexec.executable=java -Dexec.classpathScope=test
 * -Dexec.args="-Xmx3g -cp %classpath io.avfuse.jobs.bench.EndToEndBenchmark 20 120 32 3"}
 */
public final class EndToEndBenchmark {
    private static final String VIDEO = "p1.video";
    private static final String AUDIO = "p1.audio";
    private static final String TEXT = "p1.text";

    /** The variant with {@link FreeModelStub}, and its runs' topic suffix. */
    private static final String FREE = "-no-model";

    public static void main(String[] args) throws Exception {
        int streams = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 120;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        int repeats = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        // SCALE: "1,2" runs the job at parallelism 1 and 2 in every round (P1 uses the first).
        int[] parallelisms =
                args.length > 4
                        ? Arrays.stream(args[4].split(",")).mapToInt(Integer::parseInt).toArray()
                        : new int[] {1};
        String noModel =
                System.getProperty(
                        "avfuse.p1.no-model", parallelisms.length == 1 ? "true" : "false");
        boolean free = !noModel.equals("false");
        boolean onlyFree = noModel.equals("only");
        String beforeProperty = System.getProperty("avfuse.p1.before", "");
        List<String> before =
                beforeProperty.isBlank() ? List.of() : List.of(beforeProperty.split(";"));
        Path tmp = Files.createTempDirectory("avfuse-p1");
        Path model = FusionInferenceTest.savedModel(tmp, 64, List.of("video", "audio"));
        try (KafkaBroker broker = KafkaBroker.builder().nodes(1).build().start();
                ProcessCpuSampler cpu = new ProcessCpuSampler(broker.pid(0))) {
            String bootstrap = broker.bootstrapServers();
            // Two partitions, so that parallelism 2 has a split per source reader (SCALE).
            broker.createTopics(2, (short) 1, VIDEO, AUDIO, TEXT);
            broker.createTopics(1, (short) 1, "p1.aligned", "p1.dlq");
            for (int r = 0; r < repeats; r++) {
                for (int p : parallelisms) {
                    for (String run :
                            List.of(r + "-p" + p, r + "-p" + p + "-before", r + "-p" + p + FREE)) {
                        broker.createTopics(
                                1,
                                (short) 1,
                                "p1.predictions." + run,
                                "p1.embeddings." + run,
                                "p1.dlq." + run);
                    }
                }
            }
            long produced = produce(bootstrap, streams, seconds);
            System.out.printf(
                    "P1 end-to-end vs direct batched inference: %d streams x %d s (%d records),"
                            + " batch %d, parallelism 1, CPU, %d threads%n",
                    streams,
                    seconds,
                    produced,
                    batch,
                    BatchingInferenceOperator.cpuThreads(
                            0, Runtime.getRuntime().availableProcessors(), 1));
            List<AlignedWindow> windows = align(bootstrap);
            FusionInference direct = new FusionInference(model);
            // The job's operator gives its one slot all cores: the same for the direct calls.
            direct.open(
                    "cpu",
                    BatchingInferenceOperator.cpuThreads(
                            0, Runtime.getRuntime().availableProcessors(), 1));
            direct(direct, windows, batch); // warm-up
            double[] e2e = new double[repeats];
            double[] called = new double[repeats];
            double[][] scaled = new double[parallelisms.length][repeats];
            double[] e2eBefore = new double[repeats];
            double[] noModelRate = new double[repeats];
            double[][] cpuPerWindow = new double[3][repeats]; // end-to-end, no model, direct
            double[][] brokerPerWindow = new double[2][repeats];
            EndToEndRun run =
                    (round, parallelism, variant) ->
                            endToEnd(
                                    bootstrap,
                                    model,
                                    batch,
                                    round,
                                    parallelism,
                                    windows.size(),
                                    variant,
                                    cpu);
            if (onlyFree) {
                for (int r = 0; r < repeats; r++) {
                    double[] x = run.at(r, parallelisms[0], List.of(FREE));
                    System.out.printf(
                            "  run %d: no model %.1f win/s (%d windows), CPU per window: this"
                                    + " JVM %.3f ms, broker %.3f ms%n",
                            r + 1, x[0], (long) x[1], x[4], x[5]);
                }
                direct.close();
                return;
            }
            for (int r = 0; r < repeats; r++) {
                for (int i = 1; i < parallelisms.length; i++) {
                    scaled[i][r] = run.at(r, parallelisms[i], List.of())[0];
                }
                // The A/B's two variants take turns going first.
                if (!before.isEmpty() && r % 2 == 0) {
                    e2eBefore[r] = run.at(r, parallelisms[0], before)[0];
                }
                double[] x = free && r % 2 == 1 ? run.at(r, parallelisms[0], List.of(FREE)) : null;
                double[] job = run.at(r, parallelisms[0], List.of());
                if (!before.isEmpty() && r % 2 == 1) {
                    e2eBefore[r] = run.at(r, parallelisms[0], before)[0];
                }
                if (free && r % 2 == 0) {
                    x = run.at(r, parallelisms[0], List.of(FREE));
                }
                e2e[r] = job[0];
                scaled[0][r] = job[0];
                // The MiniCluster and its Kafka clients shut down in the background after a job
                // finishes; without a pause the direct calls shared the cores with that (direct
                // rates of 45 to 890 win/s within one run). Each end-to-end run settles too.
                settle();
                long directFromUs = System.currentTimeMillis() * 1000;
                called[r] = direct(direct, windows, batch);
                cpuPerWindow[2][r] =
                        cpu.cpuBetween(directFromUs, System.currentTimeMillis() * 1000)[0]
                                * 1e3
                                / windows.size();
                cpuPerWindow[0][r] = job[4];
                brokerPerWindow[0][r] = job[5];
                System.out.printf(
                        "  run %d: end-to-end %.1f win/s (%d windows, mean batch %.1f, %d dead"
                                + " letters), direct %.1f win/s (%d windows), ratio %.2f%n",
                        r + 1,
                        e2e[r],
                        (long) job[1],
                        job[2],
                        (long) job[3],
                        called[r],
                        windows.size(),
                        e2e[r] / called[r]);
                if (!before.isEmpty()) {
                    System.out.printf(
                            "         before %s: end-to-end %.1f win/s, ratio %.2f%n",
                            before, e2eBefore[r], e2eBefore[r] / called[r]);
                }
                if (x != null) {
                    noModelRate[r] = x[0];
                    cpuPerWindow[1][r] = x[4];
                    brokerPerWindow[1][r] = x[5];
                    System.out.printf(
                            "         no model %.1f win/s (%d windows), X/D %.2f, bound X/(X+D)"
                                    + " %.2f; CPU ms per window (this JVM + broker): end-to-end"
                                    + " %.3f + %.3f, no model %.3f + %.3f, direct %.3f%n",
                            x[0],
                            (long) x[1],
                            x[0] / called[r],
                            x[0] / (x[0] + called[r]),
                            job[4],
                            job[5],
                            x[4],
                            x[5],
                            cpuPerWindow[2][r]);
                }
                for (int i = 1; i < parallelisms.length; i++) {
                    System.out.printf(
                            "         end-to-end at parallelism %d: %.1f win/s, ratio to"
                                    + " parallelism %d %.2f%n",
                            parallelisms[i], scaled[i][r], parallelisms[0], scaled[i][r] / e2e[r]);
                }
            }
            direct.close();
            System.out.printf(
                    "median: end-to-end %.1f win/s, direct %.1f win/s, end-to-end/direct %.2f"
                            + " (target >= 0.85)%n",
                    median(e2e), median(called), median(e2e) / median(called));
            System.out.printf(
                    "RESULT|P1|end-to-end / direct batched win/s (batch %d, %d streams)|%.2f"
                            + "|>= 0.85|%.0f / %.0f win/s%n",
                    batch, streams, median(e2e) / median(called), median(e2e), median(called));
            if (free) {
                double e = median(e2e);
                double xr = median(noModelRate);
                double d = median(called);
                double both = 1 / (1 / xr + 1 / d);
                System.out.printf(
                        "median: no model X %.1f win/s, end-to-end E %.1f, direct D %.1f; P1 = E/D"
                                + " %.2f, bound X/(X+D) %.2f; 1/(1/X+1/D) %.1f win/s, E over it"
                                + " %.2f; CPU ms per window (this JVM + broker): end-to-end %.3f +"
                                + " %.3f, no model %.3f + %.3f, direct %.3f%n",
                        xr,
                        e,
                        d,
                        e / d,
                        xr / (xr + d),
                        both,
                        e / both,
                        median(cpuPerWindow[0]),
                        median(brokerPerWindow[0]),
                        median(cpuPerWindow[1]),
                        median(brokerPerWindow[1]),
                        median(cpuPerWindow[2]));
                System.out.printf(
                        "RESULT|P1|bound X/(X+D): X = no-model end-to-end win/s (benchmark stub),"
                                + " D = direct|%.2f|>= 0.85 (X >= 5.7 D)|X %.0f, D %.0f win/s;"
                                + " E %.0f = %.2f of 1/(1/X+1/D)%n",
                        xr / (xr + d), xr, d, e, e / both);
            }
            if (!before.isEmpty()) {
                System.out.printf(
                        "median before %s: end-to-end %.1f win/s, end-to-end/direct %.2f;"
                                + " after/before end-to-end %.2f%n",
                        before,
                        median(e2eBefore),
                        median(e2eBefore) / median(called),
                        median(e2e) / median(e2eBefore));
                System.out.printf(
                        "RESULT|P1|before %s: end-to-end / direct batched win/s|%.2f|>= 0.85"
                                + "|%.0f / %.0f win/s%n",
                        before,
                        median(e2eBefore) / median(called),
                        median(e2eBefore),
                        median(called));
                System.out.printf(
                        "RESULT|P1|end-to-end win/s, now / before %s|%.2f|> 1|%.0f / %.0f"
                                + " win/s%n",
                        before, median(e2e) / median(e2eBefore), median(e2e), median(e2eBefore));
            }
            for (int i = 1; i < parallelisms.length; i++) {
                System.out.printf(
                        "RESULT|SCALE|end-to-end win/s at parallelism %d / parallelism %d (%d"
                                + " streams, %d cores)|%.2f|-|%.0f / %.0f win/s%n",
                        parallelisms[i],
                        parallelisms[0],
                        streams,
                        Runtime.getRuntime().availableProcessors(),
                        median(scaled[i]) / median(scaled[0]),
                        median(scaled[i]),
                        median(scaled[0]));
            }
        }
    }

    private static long produce(String bootstrap, int streams, int seconds) throws Exception {
        List<ModalityEvent> events = new ArrayList<>();
        for (int s = 0; s < streams; s++) {
            events.addAll(AlignFixtures.av("cam-" + s, 0, seconds * 1_000_000L));
        }
        List<ProducerRecord<byte[], byte[]>> records =
                AlignFixtures.records(events, VIDEO, AUDIO, TEXT);
        KafkaTestClients.produce(bootstrap, records);
        return records.size();
    }

    private static List<String> options(String bootstrap, String group) {
        return options(bootstrap, group, 1);
    }

    private static List<String> options(String bootstrap, String group, int parallelism) {
        return new ArrayList<>(
                List.of(
                        "kafka.bootstrap-servers=" + bootstrap,
                        "kafka.group-id=" + group,
                        "topics.video=" + VIDEO,
                        "topics.audio=" + AUDIO,
                        "topics.text=" + TEXT,
                        "watermarks.idleness=10min",
                        "align.idle-flush=0s",
                        // Bounded sources read video and audio at their own pace (no watermark
                        // alignment): the cap must cover the skew or records turn late.
                        "align.max-pending-windows=400",
                        "job.parallelism=" + parallelism,
                        "job.checkpoint-interval=1s"));
    }

    private static StreamExecutionEnvironment env() {
        Configuration conf = new Configuration();
        conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(RestOptions.ADDRESS, "127.0.0.1");
        conf.set(RestOptions.BIND_PORT, "0");
        return StreamExecutionEnvironment.createLocalEnvironment(conf);
    }

    /** The windows the job's aligner makes of the backlog, for the direct calls. */
    private static List<AlignedWindow> align(String bootstrap) throws Exception {
        List<String> opts = options(bootstrap, "p1-align");
        opts.addAll(
                List.of(
                        "topics.aligned=p1.aligned",
                        "topics.deadletter=p1.dlq",
                        "topics.write-aligned=true"));
        JobConfig cfg = JobConfig.load(null, opts);
        StreamExecutionEnvironment env = env();
        AlignJob.defineFromKafka(env, cfg, true);
        env.execute("p1-align");
        return read(bootstrap, "p1.aligned", RecordType.ALIGNED_WINDOW);
    }

    /** Windows/s of the job's steady output, the windows predicted, their mean batch size. */
    /** One end-to-end job run of the benchmark's fixture (see {@link #endToEnd}). */
    private interface EndToEndRun {
        double[] at(int round, int parallelism, List<String> variant) throws Exception;
    }

    private static double[] endToEnd(
            String bootstrap,
            Path model,
            int batch,
            int round,
            int parallelism,
            int expected,
            List<String> variant,
            ProcessCpuSampler cpu)
            throws Exception {
        settle();
        boolean free = variant.equals(List.of(FREE));
        String run =
                round + "-p" + parallelism + (variant.isEmpty() ? "" : free ? FREE : "-before");
        String predictions = "p1.predictions." + run;
        List<String> opts = options(bootstrap, "p1-fuse-" + run, parallelism);
        opts.addAll(
                List.of(
                        "topics.predictions=" + predictions,
                        "topics.embeddings=p1.embeddings." + run,
                        "topics.deadletter=p1.dlq." + run,
                        "model.dir=" + model,
                        "inference.batch-size=" + batch,
                        "inference.max-wait=50ms"));
        Map<String, String> properties = new HashMap<>();
        for (String v : free ? List.<String>of() : variant) {
            if (v.startsWith("-D")) {
                String[] kv = v.substring(2).split("=", 2);
                properties.put(kv[0], kv.length > 1 ? kv[1] : "true");
            } else {
                opts.add(v);
            }
        }
        JobConfig cfg = JobConfig.load(null, opts);
        Map<String, String> saved = new HashMap<>();
        properties.forEach((k, v) -> saved.put(k, System.setProperty(k, v)));
        try {
            return endToEnd(bootstrap, cfg, run, predictions, expected, free, cpu);
        } finally {
            saved.forEach(
                    (k, v) -> {
                        if (v == null) {
                            System.clearProperty(k);
                        } else {
                            System.setProperty(k, v);
                        }
                    });
        }
    }

    private static double[] endToEnd(
            String bootstrap,
            JobConfig cfg,
            String run,
            String predictions,
            int expected,
            boolean free,
            ProcessCpuSampler cpu)
            throws Exception {
        StreamExecutionEnvironment env = env();
        FuseJob.Fused fused = defineFromKafkaCounted(env, cfg, free);
        FuseJob.sinks(fused, cfg, cfg.kafka());
        SCORED.set(0);
        env.execute("p1-fuse-" + run);
        long scored = SCORED.get();
        // The final transaction may be committed just after the job reports FINISHED.
        List<Prediction> out = read(bootstrap, predictions, RecordType.PREDICTION);
        for (int wait = 0; wait < 50 && out.size() < expected; wait++) {
            Thread.sleep(200);
            out = read(bootstrap, predictions, RecordType.PREDICTION);
        }
        if (out.size() < expected) {
            System.out.printf(
                    "  run %s LOST %d of %d windows (%d handed to the sink; read_committed after"
                            + " 10 s; uncommitted %d): %s%n",
                    run,
                    expected - out.size(),
                    expected,
                    scored,
                    TopicReader.readAll(bootstrap, predictions, false, Duration.ofMinutes(1))
                            .size(),
                    missing(out));
        }
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        double batches = 0;
        for (Prediction p : out) {
            first = Math.min(first, p.getTimes().getEmittedAtUs());
            last = Math.max(last, p.getTimes().getEmittedAtUs());
            batches += p.getTimes().getBatchSize();
        }
        double rate = out.size() < 2 ? 0 : (out.size() - 1) / ((last - first) / 1e6);
        List<io.avfuse.schemas.DeadLetter> dead =
                read(bootstrap, "p1.dlq." + run, RecordType.DEAD_LETTER);
        // CPU of the steady phase, first to last prediction, per window predicted in it.
        double[] steadyCpu = cpu.cpuBetween(first, last);
        return new double[] {
            rate,
            out.size(),
            batches / out.size(),
            dead.size(),
            steadyCpu[0] * 1e3 / (out.size() - 1),
            steadyCpu[1] * 1e3 / (out.size() - 1)
        };
    }

    /** Stream and window index of the first windows missing per stream, compactly. */
    private static String missing(List<Prediction> out) {
        java.util.Map<String, java.util.TreeSet<Long>> seen = new java.util.TreeMap<>();
        for (Prediction p : out) {
            seen.computeIfAbsent(p.getStreamId().toString(), k -> new java.util.TreeSet<>())
                    .add((p.getWindowStartUs() - AlignFixtures.T0) / 1_000_000);
        }
        StringBuilder b = new StringBuilder();
        seen.forEach(
                (stream, windows) ->
                        b.append(stream).append(" from w").append(windows.first()).append("; "));
        return b.toString();
    }

    /** Predictions that reached the sink, counted in the job (the MiniCluster shares this JVM). */
    private static final java.util.concurrent.atomic.AtomicLong SCORED =
            new java.util.concurrent.atomic.AtomicLong();

    /** The job with the model, or with {@link FreeModelStub} in the same batching operator. */
    private static FuseJob.Fused defineFromKafkaCounted(
            StreamExecutionEnvironment env, JobConfig cfg, boolean free) throws Exception {
        AlignJob.configure(env, cfg);
        AlignJob.KafkaInputs in = AlignJob.kafkaSources(cfg, true);
        FuseJob.Fused f;
        if (free) {
            ModelManifest m =
                    ModelManifest.read(
                            Path.of(cfg.getOptional(JobOptions.MODEL_DIR).orElseThrow()));
            f =
                    FuseJob.define(
                            env,
                            cfg,
                            in.video(),
                            in.audio(),
                            in.text(),
                            new BatchingInferenceOperator<>(
                                    new FreeModelStub(m.labels(), m.embedding(), m.version()),
                                    cfg.get(JobOptions.BATCH_SIZE),
                                    cfg.get(JobOptions.MAX_WAIT).toMillis(),
                                    cfg.get(JobOptions.CPU_THREADS),
                                    cfg.get(JobOptions.PIPELINED_BATCHES)));
        } else {
            f = FuseJob.define(env, cfg, in.video(), in.audio(), in.text());
        }
        return new FuseJob.Fused(
                f.predictions()
                        .map(
                                p -> {
                                    SCORED.incrementAndGet();
                                    return p;
                                })
                        .returns(
                                new org.apache.flink.formats.avro.typeutils.AvroTypeInfo<>(
                                        Prediction.class)),
                f.embeddings(),
                f.deadLetters());
    }

    private static void settle() throws InterruptedException {
        System.gc();
        Thread.sleep(3_000);
    }

    private static double direct(
            FusionInference inference, List<AlignedWindow> windows, int batch) {
        long start = System.nanoTime();
        for (int from = 0; from < windows.size(); from += batch) {
            inference.infer(windows.subList(from, Math.min(windows.size(), from + batch)));
        }
        return windows.size() / ((System.nanoTime() - start) / 1e9);
    }

    private static <T extends SpecificRecord> List<T> read(
            String bootstrap, String topic, RecordType<T> type) throws Exception {
        return TopicReader.readAll(bootstrap, topic, type, Duration.ofMinutes(2));
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private EndToEndBenchmark() {}
}
