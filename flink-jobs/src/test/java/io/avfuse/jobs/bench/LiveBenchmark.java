package io.avfuse.jobs.bench;

import io.avfuse.connectors.broker.KafkaBroker;
import io.avfuse.connectors.kafka.TopicReader;
import io.avfuse.connectors.serde.AvroSerde;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.connectors.testing.KafkaTestClients;
import io.avfuse.jobs.align.AlignFixtures;
import io.avfuse.jobs.job.AlignJob;
import io.avfuse.jobs.job.FuseJob;
import io.avfuse.jobs.job.JobConfig;
import io.avfuse.jobs.job.JobRest;
import io.avfuse.jobs.metrics.PrometheusProcess;
import io.avfuse.jobs.model.FusionInferenceTest;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.Prediction;
import io.avfuse.schemas.SampleFormat;
import io.avfuse.schemas.VideoFrame;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * P6 and P7: the fusion job (unbounded Kafka sources, MiniCluster, parallelism 1, exactly-once
 * sinks) fed live by a producer in this JVM.
 *
 * <ul>
 *   <li>{@code latency STREAMS SECONDS SLICES} (P6): STREAMS x 25 fps GRAY8 16x16 video + 20 ms
 *       audio chunks at real-time pace: event time T0 + x is produced at wall time start + x, so a
 *       window's end has a wall-clock due time and its latency is {@code emittedAtUs - due}. The
 *       first 5 s are warm-up; the rest is cut into SLICES equal slices by window end; P6 = median
 *       over slices of the p99 latency, divided by (window + video tolerance).
 *   <li>{@code soak STREAMS SECONDS RATE [SAMPLE_S [CHECKPOINT_S]]} (issue 8's soak, P7): STREAMS
 *       concurrent streams, each 1 fps video, 200 ms audio chunks and a caption every 4 s (4 s
 *       windows), produced at RATE input records/s in all for SECONDS of wall time; every SAMPLE_S
 *       the heap after a full GC, the latest checkpoint, the consumer lag and the committed
 *       predictions/s are sampled ({@link SoakProbe}), and the end prints the table and a verdict
 *       per criterion ({@link SoakCriteria}). tools/soak/run.sh runs it.
 * </ul>
 *
 * <p>{@code java ... io.avfuse.jobs.bench.LiveBenchmark latency 20 30 5} (tools/bench/run-all.sh).
 */
public final class LiveBenchmark {
    private static final String VIDEO = "live.video";
    private static final String AUDIO = "live.audio";
    private static final String TEXT = "live.text";
    private static final String PREDICTIONS = "live.predictions";
    private static final String GROUP = "live";
    private static final long WARMUP_US = 5_000_000;

    /**
     * What every stream sends, in event time: a frame every {@code frameUs}, an audio chunk every
     * {@code chunkUs}, a caption every {@code textUs} (0: none). Staggered: stream s sends its
     * frames and captions s ticks later than stream 0, so that a tick is not a burst of 1,000
     * frames followed by silence.
     */
    record Cadence(long frameUs, long chunkUs, long textUs, boolean staggered) {
        long tickUs() {
            return Math.min(frameUs, chunkUs);
        }

        double recordsPerStreamSecond() {
            return 1e6 / frameUs + 1e6 / chunkUs + (textUs > 0 ? 1e6 / textUs : 0);
        }

        boolean due(long tick, int stream, long everyUs) {
            long ticks = everyUs / tickUs();
            return Math.floorMod(tick - (staggered ? stream : 0), ticks) == 0;
        }
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "latency";
        if (mode.equals("soak")) {
            int streams = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
            int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 600;
            double rate = args.length > 3 ? Double.parseDouble(args[3]) : 800;
            int sampleS = args.length > 4 ? Integer.parseInt(args[4]) : 15;
            int checkpointS = args.length > 5 ? Integer.parseInt(args[5]) : 10;
            soak(streams, seconds, rate, sampleS, checkpointS);
            return;
        }
        if (!mode.equals("latency")) {
            throw new IllegalArgumentException("mode must be latency or soak, got " + mode);
        }
        int streams = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        int slices = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        Cadence cadence = new Cadence(40_000, 20_000, 0, false);
        long windowUs = 1_000_000;
        long toleranceUs = 100_000;
        Path tmp = Files.createTempDirectory("avfuse-live");
        Path model = FusionInferenceTest.savedModel(tmp, 64, List.of("video", "audio"));
        try (KafkaBroker broker = KafkaBroker.builder().nodes(1).build().start()) {
            String bootstrap = broker.bootstrapServers();
            broker.createTopics(
                    1, (short) 1, VIDEO, AUDIO, TEXT, PREDICTIONS, "live.emb", "live.dlq");
            JobClient job = startJob(bootstrap, model, windowUs, 1, 0, "live-latency");
            System.out.printf(
                    "P6 live: %d streams, video every %d ms, audio chunks of %d ms, windows of %d"
                            + " ms, %d s, %d slices, %d cores%n",
                    streams,
                    cadence.frameUs() / 1000,
                    cadence.chunkUs() / 1000,
                    windowUs / 1000,
                    seconds,
                    slices,
                    Runtime.getRuntime().availableProcessors());
            long startWallUs = System.currentTimeMillis() * 1000;
            LiveProducer producer = new LiveProducer(bootstrap, streams, cadence, 1.0);
            producer.run(seconds * 1_000_000L, () -> false);
            Thread.sleep(windowUs / 1000 + 4_000); // the last windows and their checkpoint
            job.cancel().get();
            List<Prediction> out =
                    TopicReader.readAll(
                            bootstrap, PREDICTIONS, RecordType.PREDICTION, Duration.ofMinutes(1));
            System.out.printf(
                    "  %d predictions read (read_committed), producer at most %.0f ms behind"
                            + " real time%n",
                    out.size(), producer.maxBehindUs / 1e3);
            latency(out, startWallUs, seconds, slices, windowUs, toleranceUs, streams);
        }
    }

    /**
     * The fusion job on the production path (JobConfig, FuseJob.defineFromKafka, exactly-once
     * sinks), in a MiniCluster whose REST endpoint listens on 127.0.0.1:{@code restPort} (0: any).
     */
    private static JobClient startJob(
            String bootstrap, Path model, long windowUs, int checkpointS, int restPort, String name)
            throws Exception {
        List<String> opts =
                new ArrayList<>(
                        List.of(
                                "kafka.bootstrap-servers=" + bootstrap,
                                "kafka.group-id=" + GROUP,
                                "topics.video=" + VIDEO,
                                "topics.audio=" + AUDIO,
                                "topics.text=" + TEXT,
                                "topics.predictions=" + PREDICTIONS,
                                "topics.embeddings=live.emb",
                                "topics.deadletter=live.dlq",
                                "model.dir=" + model,
                                "inference.batch-size=32",
                                "inference.max-wait=50ms",
                                "align.window=" + windowUs / 1000 + "ms",
                                "align.hop=" + windowUs / 1000 + "ms",
                                "job.parallelism=1",
                                // As before the start-up bound (= the 5 s idleness): a run
                                // without captions is not held 30 s at its start.
                                "watermarks.idleness.startup=5s",
                                "job.checkpoint-interval=" + checkpointS + "s"));
        JobConfig cfg = JobConfig.load(null, opts);
        Configuration conf = AlignJob.loopbackOnly(new Configuration());
        conf.set(RestOptions.BIND_PORT, String.valueOf(restPort));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
        FuseJob.defineFromKafka(env, cfg, false);
        JobClient job = env.executeAsync(name);
        Thread.sleep(3_000); // sources subscribed
        return job;
    }

    /**
     * The soak: the job under a steady RATE for SECONDS, sampled every SAMPLE_S; ends with the
     * sample table and the verdicts. The broker keeps at most 256 MB per input topic, so that the
     * run's disk use is bounded too.
     */
    private static void soak(int streams, int seconds, double rate, int sampleS, int checkpointS)
            throws Exception {
        Cadence cadence = new Cadence(1_000_000, 200_000, 4_000_000, true);
        long windowUs = 4_000_000;
        double pace = rate / (streams * cadence.recordsPerStreamSecond());
        Path tmp = Files.createTempDirectory("avfuse-soak");
        Path model = FusionInferenceTest.savedModel(tmp, 64, List.of("video", "audio", "text"));
        int restPort = PrometheusProcess.freePort();
        try (KafkaBroker broker =
                KafkaBroker.builder()
                        .nodes(1)
                        .brokerProperty("log.retention.check.interval.ms", "30000")
                        .build()
                        .start()) {
            String bootstrap = broker.bootstrapServers();
            Map<String, String> bounded =
                    Map.of("retention.bytes", "268435456", "segment.bytes", "67108864");
            broker.createTopics(1, (short) 1, bounded, VIDEO, AUDIO, TEXT);
            broker.createTopics(1, (short) 1, bounded, PREDICTIONS, "live.emb", "live.dlq");
            JobClient job = startJob(bootstrap, model, windowUs, checkpointS, restPort, "soak");
            String rest = "http://127.0.0.1:" + restPort;
            // Checkpoints triggered while the tasks still deploy fail by design; the soak's
            // "no failed checkpoint" is about the steady state.
            JobRest.awaitAllTasksRunning(rest, job.getJobID(), Duration.ofMinutes(2));
            System.out.printf(
                    "SOAK: %d streams x (video every %d ms, audio chunks of %d ms, a caption every"
                            + " %d ms), windows of %d ms; %.0f input records/s = %.3f s of event"
                            + " time per second, %.1f windows/s; %d s, a sample every %d s,"
                            + " checkpoints every %d s; %d cores, load average %s%n",
                    streams,
                    cadence.frameUs() / 1000,
                    cadence.chunkUs() / 1000,
                    cadence.textUs() / 1000,
                    windowUs / 1000,
                    rate,
                    pace,
                    streams * pace * 1e6 / windowUs,
                    seconds,
                    sampleS,
                    checkpointS,
                    Runtime.getRuntime().availableProcessors(),
                    loadAverage());
            LiveProducer producer = new LiveProducer(bootstrap, streams, cadence, pace);
            AtomicBoolean stop = new AtomicBoolean();
            Thread producing =
                    new Thread(
                            () -> {
                                try {
                                    producer.run(Long.MAX_VALUE, stop::get);
                                } catch (Exception e) {
                                    throw new IllegalStateException(e);
                                }
                            },
                            "soak-producer");
            producing.setDaemon(true);
            List<SoakProbe.Sample> samples = new ArrayList<>();
            double[] durationsMs;
            Map<String, Long> alignerCounters;
            try (SoakProbe probe =
                    new SoakProbe(
                            broker.adminProperties(),
                            GROUP,
                            List.of(VIDEO, AUDIO, TEXT),
                            PREDICTIONS,
                            rest,
                            job.getJobID())) {
                long start = System.nanoTime();
                producing.start();
                for (int i = 1; i * sampleS <= seconds; i++) {
                    long due = start + i * sampleS * 1_000_000_000L;
                    Thread.sleep(Math.max(0, (due - System.nanoTime()) / 1_000_000));
                    if (!producing.isAlive()) {
                        throw new IllegalStateException("the producer stopped early");
                    }
                    SoakProbe.Sample s =
                            probe.sample((System.nanoTime() - start) / 1e9, producer.behindMs());
                    samples.add(s);
                    System.out.println(progress(s, seconds));
                }
                durationsMs = probe.checkpointDurationsMs();
                alignerCounters = probe.alignerCounters();
                System.out.printf(
                        "  checkpoints failed while the tasks deployed: %d; latest failure: %s%n",
                        probe.failedAtStart(),
                        probe.lastFailure().isEmpty() ? "none" : probe.lastFailure());
            } finally {
                stop.set(true);
                producing.join(30_000);
                job.cancel().get();
            }
            SoakReport.print(
                    samples, durationsMs, alignerCounters, streams, seconds, rate, checkpointS);
        }
    }

    private static String progress(SoakProbe.Sample s, int seconds) {
        return String.format(
                "  [%4.0f/%d s] heap after GC %5.0f MB | checkpoint #%d %.1f MB in %d ms (%d"
                        + " completed, %d failed) | lag %d records | in %.0f rec/s | out %.1f"
                        + " pred/s | producer behind %d ms | load %s",
                s.atS(),
                seconds,
                s.heapAfterGcBytes() / 1e6,
                s.checkpointId(),
                s.checkpointBytes() / 1e6,
                s.checkpointMs(),
                s.checkpointsCompleted(),
                s.checkpointsFailed(),
                s.totalLag(),
                s.consumedPerS(),
                s.predictionsPerS(),
                s.producerBehindMs(),
                loadAverage());
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    /**
     * Produces every stream's records for event time [0, {@code eventEndUs}) after T0, event time t
     * at wall time start + t / pace, until {@code stop} says so.
     */
    private static final class LiveProducer {
        private final String bootstrap;
        private final int streams;
        private final Cadence cadence;
        private final double pace;
        private final ByteBuffer samples;
        private volatile long behindUs;
        private long maxBehindUs;

        LiveProducer(String bootstrap, int streams, Cadence cadence, double pace) {
            this.bootstrap = bootstrap;
            this.streams = streams;
            this.cadence = cadence;
            this.pace = pace;
            this.samples = sine((int) (cadence.chunkUs() * AlignFixtures.RATE / 1_000_000));
        }

        /** How far behind its schedule the last tick was sent, ms. */
        long behindMs() {
            return behindUs / 1000;
        }

        void run(long eventEndUs, java.util.function.BooleanSupplier stop) throws Exception {
            var vs = AvroSerde.of(RecordType.VIDEO_FRAME, WireFormat.SINGLE_OBJECT);
            var as = AvroSerde.of(RecordType.AUDIO_CHUNK, WireFormat.SINGLE_OBJECT);
            var ts = AvroSerde.of(RecordType.TEXT_EVENT, WireFormat.SINGLE_OBJECT);
            Properties p = KafkaTestClients.producerProperties(bootstrap);
            p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
            p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
            String[] ids = new String[streams];
            byte[][] keys = new byte[streams][];
            for (int s = 0; s < streams; s++) {
                ids[s] = "cam-" + s;
                keys[s] = ids[s].getBytes(StandardCharsets.UTF_8);
            }
            long tickUs = cadence.tickUs();
            long start = System.nanoTime();
            try (KafkaProducer<byte[], byte[]> producer =
                    new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                for (long tick = 0; tick * tickUs < eventEndUs && !stop.getAsBoolean(); tick++) {
                    long t = tick * tickUs;
                    long due = start + (long) (t * 1000 / pace);
                    long now = System.nanoTime();
                    if (now < due) {
                        behindUs = 0;
                        Thread.sleep((due - now) / 1_000_000, (int) ((due - now) % 1_000_000));
                    } else {
                        behindUs = (now - due) / 1000;
                        maxBehindUs = Math.max(maxBehindUs, behindUs);
                    }
                    for (int s = 0; s < streams; s++) {
                        if (cadence.due(tick, s, cadence.frameUs())) {
                            byte[] v = vs.encode(frame(ids[s], t, t / cadence.frameUs()));
                            producer.send(new ProducerRecord<>(VIDEO, keys[s], v));
                        }
                        if (cadence.due(tick, s, cadence.chunkUs())) {
                            byte[] a = as.encode(chunk(ids[s], t, t / cadence.chunkUs()));
                            producer.send(new ProducerRecord<>(AUDIO, keys[s], a));
                        }
                        if (cadence.textUs() > 0 && cadence.due(tick, s, cadence.textUs())) {
                            byte[] x =
                                    ts.encode(
                                            AlignFixtures.caption(
                                                    ids[s], t, 1_000_000, "goal crowd"));
                            producer.send(new ProducerRecord<>(TEXT, keys[s], x));
                        }
                    }
                }
            }
        }

        private AudioChunk chunk(String stream, long atUs, long index) {
            return AudioChunk.newBuilder()
                    .setStreamId(stream)
                    .setChunkIndex(index)
                    .setStartTimeUs(AlignFixtures.T0 + atUs)
                    .setSampleRate(AlignFixtures.RATE)
                    .setChannels(1)
                    .setSampleFormat(SampleFormat.F32LE)
                    .setSamples(samples.duplicate())
                    .build();
        }

        /** One chunk's worth of a sine: every chunk carries the same samples. */
        private static ByteBuffer sine(int n) {
            ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                b.putFloat((float) Math.sin(i * 0.05));
            }
            return b.flip().asReadOnlyBuffer();
        }
    }

    private static VideoFrame frame(String stream, long atUs, long index) {
        return VideoFrame.newBuilder()
                .setStreamId(stream)
                .setFrameIndex(index)
                .setEventTimeUs(AlignFixtures.T0 + atUs)
                .setWidth(16)
                .setHeight(16)
                .setEncoding(io.avfuse.schemas.FrameEncoding.GRAY8)
                .setData(ByteBuffer.wrap(new byte[256]))
                .build();
    }

    private static void latency(
            List<Prediction> out,
            long startWallUs,
            int seconds,
            int slices,
            long windowUs,
            long toleranceUs,
            int streams) {
        long spanUs = seconds * 1_000_000L - WARMUP_US;
        List<List<Double>> bySlice = new ArrayList<>();
        for (int i = 0; i < slices; i++) {
            bySlice.add(new ArrayList<>());
        }
        for (Prediction p : out) {
            long endAfterStart = p.getWindowEndUs() - AlignFixtures.T0;
            if (endAfterStart <= WARMUP_US || endAfterStart > seconds * 1_000_000L) {
                continue;
            }
            int slice = (int) Math.min(slices - 1, (endAfterStart - WARMUP_US) * slices / spanUs);
            double latencyS = (p.getTimes().getEmittedAtUs() - (startWallUs + endAfterStart)) / 1e6;
            bySlice.get(slice).add(latencyS);
        }
        double[] p99 = new double[slices];
        double[] p50 = new double[slices];
        double budget = (windowUs + toleranceUs) / 1e6;
        for (int i = 0; i < slices; i++) {
            double[] s =
                    bySlice.get(i).stream().mapToDouble(Double::doubleValue).sorted().toArray();
            p99[i] =
                    s.length == 0
                            ? Double.NaN
                            : s[Math.max(0, (int) Math.ceil(0.99 * s.length) - 1)];
            p50[i] = s.length == 0 ? Double.NaN : s[s.length / 2];
            System.out.printf(
                    "  slice %d: %d windows, latency p50 %.3f s, p99 %.3f s, p99/(window+tolerance)"
                            + " %.2f%n",
                    i + 1, s.length, p50[i], p99[i], p99[i] / budget);
        }
        double m = median(p99);
        System.out.printf(
                "median p99 %.3f s, p50 %.3f s; p99/(window %.1f s + tolerance %.1f s) %.2f"
                        + " (target <= 1.5)%n",
                m, median(p50), windowUs / 1e6, toleranceUs / 1e6, m / budget);
        System.out.printf(
                "RESULT|P6|p99 window end -> prediction / (window + tolerance), %d streams x 25"
                        + " fps|%.2f|<= 1.5|p99 %.3f s, p50 %.3f s, budget %.1f s%n",
                streams, m / budget, m, median(p50), budget);
    }

    private static double median(double[] values) {
        double[] s = Arrays.stream(values).filter(v -> !Double.isNaN(v)).sorted().toArray();
        if (s.length == 0) {
            return Double.NaN;
        }
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private LiveBenchmark() {}
}
