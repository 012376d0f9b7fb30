package io.avfuse.jobs.bench;

import io.avfuse.connectors.broker.KafkaBroker;
import io.avfuse.connectors.kafka.TopicReader;
import io.avfuse.connectors.serde.AvroSerde;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.connectors.testing.KafkaTestClients;
import io.avfuse.jobs.align.AlignFixtures;
import io.avfuse.jobs.job.FuseJob;
import io.avfuse.jobs.job.JobConfig;
import io.avfuse.jobs.model.FusionInferenceTest;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.Prediction;
import io.avfuse.schemas.SampleFormat;
import io.avfuse.schemas.VideoFrame;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
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
 * sinks) fed live, at real-time pace, by a producer in this JVM. Event time T0 + x is produced at
 * wall time start + x, so a window's end has a wall-clock due time and its latency is {@code
 * emittedAtUs - due}.
 *
 * <ul>
 *   <li>{@code latency STREAMS SECONDS SLICES}: STREAMS x 25 fps GRAY8 16x16 video + 20 ms audio
 *       chunks; the first 5 s are warm-up; the rest is cut into SLICES equal slices by window end;
 *       P6 = median over slices of the p99 latency, divided by (window + video tolerance).
 *   <li>{@code heap STREAMS SECONDS SLICES}: STREAMS concurrent streams, each 1 fps video and 200
 *       ms audio chunks in 4 s windows (so that 1,000 streams stay within what one 2-core machine
 *       can produce and infer live: 6,000 records/s, 250 windows/s); the heap used after a full GC
 *       is sampled at the end of each of SLICES slices. P7 = the largest sample (target 2 GB) and
 *       the last over the second sample (flat: about 1).
 * </ul>
 *
 * <p>{@code java ... io.avfuse.jobs.bench.LiveBenchmark latency 20 30 5} (tools/bench/run-all.sh).
 */
public final class LiveBenchmark {
    private static final String VIDEO = "live.video";
    private static final String AUDIO = "live.audio";
    private static final String TEXT = "live.text";
    private static final String PREDICTIONS = "live.predictions";
    private static final long WARMUP_US = 5_000_000;

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "latency";
        boolean heap = mode.equals("heap");
        int streams = args.length > 1 ? Integer.parseInt(args[1]) : heap ? 1000 : 20;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : heap ? 600 : 30;
        int slices = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        long frameUs = heap ? 1_000_000 : 40_000;
        long chunkUs = heap ? 200_000 : 20_000;
        long windowUs = heap ? 4_000_000 : 1_000_000;
        long toleranceUs = 100_000;
        Path tmp = Files.createTempDirectory("avfuse-live");
        Path model = FusionInferenceTest.savedModel(tmp, 64, List.of("video", "audio"));
        try (KafkaBroker broker = KafkaBroker.builder().nodes(1).build().start()) {
            String bootstrap = broker.bootstrapServers();
            broker.createTopics(
                    1, (short) 1, VIDEO, AUDIO, TEXT, PREDICTIONS, "live.emb", "live.dlq");
            List<String> opts =
                    new ArrayList<>(
                            List.of(
                                    "kafka.bootstrap-servers=" + bootstrap,
                                    "kafka.group-id=live",
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
                                    "job.checkpoint-interval=1s"));
            JobConfig cfg = JobConfig.load(null, opts);
            Configuration conf = new Configuration();
            conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
            conf.set(RestOptions.ADDRESS, "127.0.0.1");
            conf.set(RestOptions.BIND_PORT, "0");
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.createLocalEnvironment(conf);
            FuseJob.defineFromKafka(env, cfg, false);
            JobClient job = env.executeAsync("live-" + mode);
            Thread.sleep(3_000); // sources subscribed
            System.out.printf(
                    "%s live: %d streams, video every %d ms, audio chunks of %d ms, windows of %d"
                            + " ms, %d s, %d slices, %d cores%n",
                    heap ? "P7" : "P6",
                    streams,
                    frameUs / 1000,
                    chunkUs / 1000,
                    windowUs / 1000,
                    seconds,
                    slices,
                    Runtime.getRuntime().availableProcessors());
            long[] heapAfterGc = new long[slices];
            long startWallUs = System.currentTimeMillis() * 1000;
            long lagMaxUs =
                    produce(bootstrap, streams, seconds, frameUs, chunkUs, slices, heapAfterGc);
            Thread.sleep(windowUs / 1000 + 4_000); // the last windows and their checkpoint
            job.cancel().get();
            List<Prediction> out =
                    TopicReader.readAll(
                            bootstrap, PREDICTIONS, RecordType.PREDICTION, Duration.ofMinutes(1));
            System.out.printf(
                    "  %d predictions read (read_committed), producer at most %.0f ms behind"
                            + " real time%n",
                    out.size(), lagMaxUs / 1e3);
            if (heap) {
                report(heapAfterGc, streams, seconds, out.size());
            } else {
                latency(out, startWallUs, seconds, slices, windowUs, toleranceUs, streams);
            }
        }
    }

    /** Produces at real-time pace; returns how far behind the wall clock it fell at most, µs. */
    private static long produce(
            String bootstrap,
            int streams,
            int seconds,
            long frameUs,
            long chunkUs,
            int slices,
            long[] heapAfterGc)
            throws Exception {
        var vs = AvroSerde.of(RecordType.VIDEO_FRAME, WireFormat.SINGLE_OBJECT);
        var as = AvroSerde.of(RecordType.AUDIO_CHUNK, WireFormat.SINGLE_OBJECT);
        Properties p = KafkaTestClients.producerProperties(bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        byte[][] keys = new byte[streams][];
        for (int s = 0; s < streams; s++) {
            keys[s] = ("cam-" + s).getBytes(StandardCharsets.UTF_8);
        }
        long tick = Math.min(frameUs, chunkUs);
        long endUs = seconds * 1_000_000L;
        long sliceUs = endUs / slices;
        int nextSlice = 0;
        long lagMax = 0;
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (long t = 0; t < endUs; t += tick) {
                long due = start + t * 1000;
                long now = System.nanoTime();
                if (now < due) {
                    Thread.sleep((due - now) / 1_000_000, (int) ((due - now) % 1_000_000));
                } else {
                    lagMax = Math.max(lagMax, (now - due) / 1000);
                }
                for (int s = 0; s < streams; s++) {
                    if (t % frameUs == 0) {
                        producer.send(
                                new ProducerRecord<>(
                                        VIDEO, keys[s], vs.encode(frame("cam-" + s, t, frameUs))));
                    }
                    if (t % chunkUs == 0) {
                        producer.send(
                                new ProducerRecord<>(
                                        AUDIO, keys[s], as.encode(chunk("cam-" + s, t, chunkUs))));
                    }
                }
                if (t + tick >= (nextSlice + 1) * sliceUs && nextSlice < slices) {
                    System.gc();
                    var mem = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
                    heapAfterGc[nextSlice] = mem.getUsed();
                    System.out.printf(
                            "  at %4d s: heap used after GC %.0f MB%n",
                            (t + tick) / 1_000_000, mem.getUsed() / 1e6);
                    nextSlice++;
                }
            }
        }
        return lagMax;
    }

    private static VideoFrame frame(String stream, long atUs, long frameUs) {
        return VideoFrame.newBuilder()
                .setStreamId(stream)
                .setFrameIndex(atUs / frameUs)
                .setEventTimeUs(AlignFixtures.T0 + atUs)
                .setWidth(16)
                .setHeight(16)
                .setEncoding(io.avfuse.schemas.FrameEncoding.GRAY8)
                .setData(ByteBuffer.wrap(new byte[256]))
                .build();
    }

    private static AudioChunk chunk(String stream, long atUs, long chunkUs) {
        int n = (int) (chunkUs * AlignFixtures.RATE / 1_000_000);
        ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putFloat((float) Math.sin(i * 0.05));
        }
        b.flip();
        return AudioChunk.newBuilder()
                .setStreamId(stream)
                .setChunkIndex(atUs / chunkUs)
                .setStartTimeUs(AlignFixtures.T0 + atUs)
                .setSampleRate(AlignFixtures.RATE)
                .setChannels(1)
                .setSampleFormat(SampleFormat.F32LE)
                .setSamples(b)
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

    private static void report(long[] heapAfterGc, int streams, int seconds, int predictions) {
        long max = Arrays.stream(heapAfterGc).max().orElse(0);
        double growth =
                heapAfterGc.length > 2 && heapAfterGc[1] > 0
                        ? (double) heapAfterGc[heapAfterGc.length - 1] / heapAfterGc[1]
                        : Double.NaN;
        System.out.printf(
                "heap after GC: max %.0f MB, last/second sample %.2f (%d predictions)%n",
                max / 1e6, growth, predictions);
        System.out.printf(
                "RESULT|P7|heap after GC, last / second sample, %d streams for %d s (target 600"
                        + " s)|%.2f|~1 and max <= 2 GB|max %.0f MB over %d samples; %d"
                        + " predictions%n",
                streams, seconds, growth, max / 1e6, heapAfterGc.length, predictions);
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
