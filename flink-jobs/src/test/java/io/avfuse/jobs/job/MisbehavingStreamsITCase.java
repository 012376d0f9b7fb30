package io.avfuse.jobs.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.kafka.TopicReader;
import io.avfuse.connectors.serde.AvroSerde;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.connectors.testing.KafkaTestClients;
import io.avfuse.jobs.align.AlignFixtures;
import io.avfuse.jobs.model.FusionInferenceTest;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.DeadLetter;
import io.avfuse.schemas.Prediction;
import io.avfuse.schemas.VideoFrame;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streams that misbehave, live: the fuse job (real broker, MiniCluster, PyTorch engine) reads seven
 * streams produced at real-time pace with event time = wall clock for {@value #SECONDS} s. One is
 * steady; one loses its audio for 7 s and gets it back; one stops altogether for 7 s and resumes;
 * one arrives shuffled (within the out-of-orderness) with every 50th frame 3 s late; one jumps 2 h
 * forward for 2 s, then 1 h back for 2 s; one's audio clock runs 150 ms behind its video, one's 1.5
 * s behind. Asserted: the steady stream is predicted on time throughout (no watermark stall), every
 * window of every stream exactly once, degraded predictions start within the audio timeout after
 * the audio stops and end when it returns, late records are dead letters at stage {@code align},
 * exactly as many as the aligner's {@code lateRecords} metric counts, the future-stamped ones dead
 * letters at stage {@code validate}, the last windows flushed within the idle-flush time after all
 * traffic ends, and the job never restarts.
 */
class MisbehavingStreamsITCase {
    static final int SECONDS = 20;
    private static final long TICK_US = AlignFixtures.CHUNK_US; // 20 ms: a chunk; a frame every 2
    private static final long SEC = 1_000_000L;
    private static final long HOUR = 3_600 * SEC;
    private static final Duration AUDIO_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration IDLE_FLUSH = Duration.ofSeconds(2);

    @RegisterExtension static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setConfiguration(HostileInputITCase.loopbackRest())
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    @TempDir Path tmp;

    /** One record to send at {@code sendUs} (wall clock), stamped {@code eventUs}. */
    private record Planned(long sendUs, long eventUs, String stream, boolean video, String fate) {}

    @Test
    void misbehavingStreamsNeitherStallTheJobNorLoseWindows(
            @InjectClusterClient ClusterClient<?> client) throws Exception {
        Path model = FusionInferenceTest.savedModel(tmp, 16, List.of("video", "audio"));
        String video = KAFKA.uniqueTopic("misbehave-video");
        String audio = KAFKA.uniqueTopic("misbehave-audio");
        String text = KAFKA.uniqueTopic("misbehave-text");
        String predictions = KAFKA.uniqueTopic("misbehave-predictions");
        String embeddings = KAFKA.uniqueTopic("misbehave-embeddings");
        String dlq = KAFKA.uniqueTopic("misbehave-deadletter");
        // One partition per input: every stream shares its modality's watermark (see
        // docs/reliability.md for what a lagging modality does to streams in its partition).
        KAFKA.createTopics(1, (short) 1, video, audio, text, dlq);
        KAFKA.createTopics(2, (short) 1, predictions, embeddings);

        JobConfig cfg =
                JobConfig.load(
                        null,
                        List.of(
                                "kafka.bootstrap-servers=" + KAFKA.bootstrapServers(),
                                "kafka.group-id=misbehave-it-" + predictions,
                                "topics.video=" + video,
                                "topics.audio=" + audio,
                                "topics.text=" + text,
                                "topics.predictions=" + predictions,
                                "topics.embeddings=" + embeddings,
                                "topics.deadletter=" + dlq,
                                "model.dir=" + model,
                                "inference.batch-size=8",
                                "inference.max-wait=50ms",
                                "watermarks.idleness=1s",
                                "align.timeout.audio=" + AUDIO_TIMEOUT.toMillis() + "ms",
                                "align.idle-flush=" + IDLE_FLUSH.toMillis() + "ms",
                                "job.parallelism=2",
                                "job.checkpoint-interval=500ms"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        FuseJob.defineFromKafka(env, cfg, false);
        JobClient job = env.executeAsync("misbehave-it");
        try {
            awaitAllTasksRunning(client, job.getJobID());
            Thread.sleep(3_000); // the Kafka readers have their partitions

            // Start on a whole second, so windows and behaviours line up with seconds.
            long startUs = (System.currentTimeMillis() / 1000 + 2) * SEC;
            List<Planned> plan = plan(startUs);
            Map<String, Integer> fates = new TreeMap<>();
            plan.forEach(p -> fates.merge(p.stream() + ":" + p.fate(), 1, Integer::sum));
            long lastSendUs = sendLive(plan, video, audio);
            long endUs = startUs + SECONDS * SEC;

            // Traffic over: the sources go idle, the watermark stops, the idle flush must emit
            // the last windows.
            List<Prediction> got = List.of();
            long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
            while (System.nanoTime() < deadline && !hasWindow(got, "steady", endUs - SEC)) {
                Thread.sleep(500);
                got =
                        TopicReader.readAll(
                                KAFKA.bootstrapServers(),
                                predictions,
                                RecordType.PREDICTION,
                                Duration.ofSeconds(30));
            }
            Thread.sleep(3_000); // more checkpoints: nothing more may appear
            got =
                    TopicReader.readAll(
                            KAFKA.bootstrapServers(),
                            predictions,
                            RecordType.PREDICTION,
                            Duration.ofSeconds(30));
            List<DeadLetter> dead =
                    TopicReader.readAll(
                            KAFKA.bootstrapServers(),
                            dlq,
                            RecordType.DEAD_LETTER,
                            Duration.ofSeconds(30));
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
            assertThat(HostileInputITCase.numRestarts(client, job.getJobID())).isZero();

            Map<String, List<Prediction>> byStream =
                    got.stream()
                            .sorted(Comparator.comparingLong(Prediction::getWindowStartUs))
                            .collect(
                                    Collectors.groupingBy(
                                            Prediction::getStreamId,
                                            TreeMap::new,
                                            Collectors.toList()));
            Map<String, String> report = new TreeMap<>();

            // Exactly once per window, and exactly the windows that had data in time.
            Map<String, List<Integer>> expected = expectedWindows();
            for (var e : expected.entrySet()) {
                assertThat(windows(byStream.get(e.getKey()), startUs))
                        .as("windows of %s", e.getKey())
                        .containsExactlyElementsOf(e.getValue());
            }
            assertThat(byStream.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());

            // The steady stream stays on time while the others misbehave: window end to
            // prediction emitted, all but its last window (that one waits for the idle flush).
            List<Long> steadyLatencyMs = new ArrayList<>();
            for (Prediction p : byStream.get("steady")) {
                if (p.getWindowEndUs() < endUs) {
                    steadyLatencyMs.add(
                            (p.getTimes().getEmittedAtUs() - p.getWindowEndUs()) / 1000);
                }
                assertThat(p.getDegraded()).isFalse();
            }
            steadyLatencyMs.sort(null);
            long steadyMax = steadyLatencyMs.get(steadyLatencyMs.size() - 1);
            long steadyP50 = steadyLatencyMs.get(steadyLatencyMs.size() / 2);
            assertThat(steadyMax).as("steady latency (ms) %s", steadyLatencyMs).isLessThan(3_000);
            report.put("steady latency ms p50/max", steadyP50 + "/" + steadyMax);

            // The last windows: flushed once the sources are idle and the flush time has passed.
            Prediction last = byStream.get("steady").get(byStream.get("steady").size() - 1);
            long flushMs = (last.getTimes().getEmittedAtUs() - lastSendUs) / 1000;
            report.put("last window after traffic ended ms", Long.toString(flushMs));
            assertThat(flushMs)
                    .as("idle flush after the end of traffic")
                    .isLessThan(IDLE_FLUSH.toMillis() + 1_000 + 4_000);

            // Audio stops at 6 s and returns at 13 s: degraded from window 6 to 12, emitted
            // within the audio timeout of the stop; full again from 13.
            List<Prediction> mute = byStream.get("mute");
            assertThat(mute)
                    .extracting(p -> (int) ((p.getWindowStartUs() - startUs) / SEC))
                    .containsExactlyElementsOf(expected.get("mute"));
            for (Prediction p : mute) {
                int w = (int) ((p.getWindowStartUs() - startUs) / SEC);
                boolean silent = w >= 6 && w < 13;
                assertThat(p.getPresence().getAudio())
                        .as("mute window %d audio", w)
                        .isEqualTo(!silent);
                assertThat(p.getDegraded()).as("mute window %d degraded", w).isEqualTo(silent);
            }
            Prediction firstDegraded =
                    mute.stream().filter(Prediction::getDegraded).findFirst().get();
            long audioStoppedUs = startUs + 6 * SEC;
            long fallbackMs = (firstDegraded.getTimes().getEmittedAtUs() - audioStoppedUs) / 1000;
            report.put(
                    "audio stop -> first degraded prediction ms (timeout "
                            + AUDIO_TIMEOUT.toMillis()
                            + ")",
                    Long.toString(fallbackMs));
            assertThat(fallbackMs).isLessThanOrEqualTo(AUDIO_TIMEOUT.toMillis());
            Prediction firstBack =
                    mute.stream()
                            .filter(p -> p.getWindowStartUs() >= startUs + 13 * SEC)
                            .findFirst()
                            .get();
            report.put(
                    "audio back -> first full prediction ms",
                    Long.toString(
                            (firstBack.getTimes().getEmittedAtUs() - (startUs + 13 * SEC)) / 1000));

            // Late records: dead letters at stage align, one per late record, as counted.
            Map<String, Integer> lateByStream = new TreeMap<>();
            Map<String, Integer> futureByStream = new TreeMap<>();
            for (DeadLetter d : dead) {
                String stream = StandardCharsets.UTF_8.decode(d.getRawKey()).toString();
                if (d.getStage().equals("align")) {
                    assertThat(d.getErrorMessage()).contains("arrived after every window");
                    lateByStream.merge(stream, 1, Integer::sum);
                } else {
                    assertThat(d.getStage()).isEqualTo("validate");
                    assertThat(d.getErrorMessage()).contains("ahead of the wall clock");
                    futureByStream.merge(stream, 1, Integer::sum);
                }
            }
            assertThat(lateByStream.get("shuffled")).isEqualTo(fates.get("shuffled:late"));
            assertThat(lateByStream.get("jumper")).isEqualTo(fates.get("jumper:late"));
            assertThat(lateByStream.getOrDefault("lagging", 0)).isPositive();
            assertThat(lateByStream.keySet()).containsOnly("shuffled", "jumper", "lagging");
            assertThat(futureByStream).isEqualTo(Map.of("jumper", fates.get("jumper:future")));
            long lateMetric = alignerMetric(client, job.getJobID(), "lateRecords");
            int lateLetters = lateByStream.values().stream().mapToInt(Integer::intValue).sum();
            assertThat(lateMetric).as("lateRecords metric").isEqualTo(lateLetters);
            report.put("late dead letters per stream", lateByStream.toString());
            report.put("future dead letters per stream", futureByStream.toString());

            // Skew within the tolerances costs nothing: every window has both modalities.
            assertThat(byStream.get("skewed"))
                    .allSatisfy(
                            p -> {
                                assertThat(p.getPresence().getAudio()).isTrue();
                                assertThat(p.getPresence().getVideo()).isTrue();
                            });
            System.out.printf("[misbehave] %s; records %s%n", report, fates);
        } finally {
            job.cancel().get();
        }
    }

    /** The windows (seconds after the start) each stream must be predicted for, once. */
    private static Map<String, List<Integer>> expectedWindows() {
        Map<String, List<Integer>> m = new TreeMap<>();
        for (String s : List.of("steady", "mute", "shuffled", "skewed", "lagging")) {
            m.put(s, range(0, SECONDS));
        }
        List<Integer> pause = range(0, 5);
        pause.addAll(range(12, SECONDS));
        m.put("pause", pause);
        List<Integer> jumper = range(0, 8);
        jumper.addAll(range(10, 12));
        jumper.addAll(range(14, SECONDS));
        m.put("jumper", jumper);
        return m;
    }

    private static List<Integer> range(int from, int to) {
        List<Integer> r = new ArrayList<>();
        for (int i = from; i < to; i++) {
            r.add(i);
        }
        return r;
    }

    private static List<Integer> windows(List<Prediction> ps, long startUs) {
        return ps == null
                ? List.of()
                : ps.stream()
                        .map(p -> (int) Math.floorDiv(p.getWindowStartUs() - startUs, SEC))
                        .toList();
    }

    private static boolean hasWindow(List<Prediction> ps, String stream, long startUs) {
        return ps.stream()
                .anyMatch(p -> p.getStreamId().equals(stream) && p.getWindowStartUs() == startUs);
    }

    /** Every record of every stream: when it is sent, how it is stamped, what must become of it. */
    private static List<Planned> plan(long startUs) {
        Random rnd = new Random(5);
        List<Planned> plan = new ArrayList<>();
        for (long tick = 0; tick * TICK_US < SECONDS * SEC; tick++) {
            long t = startUs + tick * TICK_US;
            long s = tick * TICK_US / SEC; // whole seconds since the start
            boolean frameTick = tick % 2 == 0;
            for (boolean isVideo :
                    frameTick ? new boolean[] {true, false} : new boolean[] {false}) {
                plan.add(new Planned(t, t, "steady", isVideo, "ok"));
                if (isVideo || s < 6 || s >= 13) {
                    plan.add(new Planned(t, t, "mute", isVideo, "ok"));
                }
                if (s < 5 || s >= 12) {
                    plan.add(new Planned(t, t, "pause", isVideo, "ok"));
                }
                // Shuffled within 150 ms (below the 200 ms out-of-orderness); every 50th frame of
                // the first 16 s 3 s late, past its window's end plus tolerance.
                if (isVideo && tick % 100 == 50 && s < 16) {
                    plan.add(new Planned(t + 3 * SEC, t, "shuffled", true, "late"));
                } else {
                    plan.add(new Planned(t + rnd.nextInt(150_000), t, "shuffled", isVideo, "ok"));
                }
                if (s >= 8 && s < 10) {
                    plan.add(new Planned(t, t + 2 * HOUR, "jumper", isVideo, "future"));
                } else if (s >= 12 && s < 14) {
                    plan.add(new Planned(t, t - HOUR, "jumper", isVideo, "late"));
                } else {
                    plan.add(new Planned(t, t, "jumper", isVideo, "ok"));
                }
                // Audio clocks behind video: 150 ms (inside the tolerances) and 1.5 s.
                if (isVideo) {
                    plan.add(new Planned(t, t, "skewed", true, "ok"));
                    plan.add(new Planned(t, t, "lagging", true, "ok"));
                } else {
                    if (t - 150_000 >= startUs) {
                        plan.add(new Planned(t, t - 150_000, "skewed", false, "ok"));
                    }
                    if (t - 1_500_000 >= startUs) {
                        plan.add(new Planned(t, t - 1_500_000, "lagging", false, "maybe-late"));
                    }
                }
            }
        }
        plan.sort(Comparator.comparingLong(Planned::sendUs));
        return plan;
    }

    /** Sends the plan at its wall-clock times; returns when the last record was acknowledged. */
    private static long sendLive(List<Planned> plan, String videoTopic, String audioTopic)
            throws Exception {
        var vs = AvroSerde.of(RecordType.VIDEO_FRAME, WireFormat.SINGLE_OBJECT);
        var as = AvroSerde.of(RecordType.AUDIO_CHUNK, WireFormat.SINGLE_OBJECT);
        var props = KafkaTestClients.producerProperties(KAFKA.bootstrapServers());
        Map<String, Long> index = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (Planned p : plan) {
                long waitMs = p.sendUs() / 1000 - System.currentTimeMillis();
                if (waitMs > 0) {
                    producer.flush();
                    Thread.sleep(waitMs);
                }
                byte[] key = p.stream().getBytes(StandardCharsets.UTF_8);
                long n = index.merge(p.stream() + p.video(), 1L, Long::sum);
                ProducerRecord<byte[], byte[]> r;
                if (p.video()) {
                    VideoFrame f = AlignFixtures.frame(p.stream(), n);
                    f.setEventTimeUs(p.eventUs());
                    r =
                            new ProducerRecord<>(
                                    videoTopic, null, p.eventUs() / 1000, key, vs.encode(f));
                } else {
                    AudioChunk c = AlignFixtures.chunk(p.stream(), n);
                    c.setStartTimeUs(p.eventUs());
                    r =
                            new ProducerRecord<>(
                                    audioTopic, null, p.eventUs() / 1000, key, as.encode(c));
                }
                producer.send(r);
            }
            producer.flush();
        }
        return System.currentTimeMillis() * 1000;
    }

    private static void awaitAllTasksRunning(ClusterClient<?> client, JobID id) throws Exception {
        ObjectMapper json = new ObjectMapper();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode job = json.readTree(HostileInputITCase.rest(client, "/jobs/" + id));
            boolean all = job.get("vertices").size() > 0;
            for (JsonNode v : job.get("vertices")) {
                all &= v.get("status").asText().equals("RUNNING");
            }
            if (all) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("job " + id + " did not get all its tasks running");
    }

    /** Sum over the aligner's subtasks and modalities of one of its counters, through REST. */
    private static long alignerMetric(ClusterClient<?> client, JobID id, String name)
            throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode job = json.readTree(HostileInputITCase.rest(client, "/jobs/" + id));
        String vertex = null;
        for (JsonNode v : job.get("vertices")) {
            if (v.get("name").asText().startsWith("align")) {
                vertex = v.get("id").asText();
            }
        }
        assertThat(vertex).as("the align vertex").isNotNull();
        String base = "/jobs/" + id + "/vertices/" + vertex + "/metrics";
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        List<String> ids = new ArrayList<>();
        while (ids.isEmpty() && System.nanoTime() < deadline) {
            for (JsonNode m : json.readTree(HostileInputITCase.rest(client, base))) {
                String metric = m.get("id").asText();
                if (metric.endsWith("." + name) && metric.contains(".align.")) {
                    ids.add(metric);
                }
            }
            if (ids.isEmpty()) {
                Thread.sleep(500);
            }
        }
        assertThat(ids).as("%s metrics of the aligner", name).isNotEmpty();
        // The metric fetcher refreshes every few seconds: read until two reads agree.
        long previous = -1;
        for (int i = 0; i < 20; i++) {
            long sum = 0;
            JsonNode values =
                    json.readTree(
                            HostileInputITCase.rest(
                                    client,
                                    base
                                            + "?get="
                                            + java.net.URLEncoder.encode(
                                                    String.join(",", ids),
                                                    StandardCharsets.UTF_8)));
            for (JsonNode v : values) {
                sum += Long.parseLong(v.get("value").asText());
            }
            if (sum == previous) {
                return sum;
            }
            previous = sum;
            Thread.sleep(1_500);
        }
        return previous;
    }
}
