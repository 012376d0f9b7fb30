package io.avfuse.jobs.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.kafka.TopicReader;
import io.avfuse.connectors.serde.AvroSerde;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.connectors.testing.KafkaTestClients;
import io.avfuse.jobs.align.MisbehavingStreams;
import io.avfuse.jobs.align.MisbehavingStreams.Fate;
import io.avfuse.jobs.align.MisbehavingStreams.Planned;
import io.avfuse.jobs.model.FusionInferenceTest;
import io.avfuse.schemas.DeadLetter;
import io.avfuse.schemas.Prediction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streams that misbehave, live: the fuse job (real broker, MiniCluster, PyTorch engine) reads the
 * seven streams of {@link MisbehavingStreams} produced at real-time pace with event time = wall
 * clock for {@value io.avfuse.jobs.align.MisbehavingStreams#SECONDS} s: steady; audio lost for 7 s;
 * paused for 7 s; shuffled with some frames 3 s late; 2 h ahead then 1 h behind; audio clocks 150
 * ms and 1.5 s behind video. Asserted: every window of every stream exactly once and no other, the
 * steady stream never degraded and no window emitted before its watermark except the last ones (no
 * stall: nothing waits for the idle flush), the muted windows degraded and the first of them
 * released no later than the window at which the audio timeout has passed in event time, late
 * records dead letters at stage {@code align} (exactly the planned ones for the shuffled and the
 * jumping stream, as many as the aligner's {@code lateRecords} metric), the future-stamped ones at
 * stage {@code validate}, the last windows flushed without a watermark after all traffic ends, and
 * the job never restarts. Latencies are measured and printed, not asserted: on a loaded machine
 * they measure the machine.
 */
class MisbehavingStreamsITCase {
    private static final long SEC = MisbehavingStreams.SEC;
    private static final Duration AUDIO_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration IDLE_FLUSH = Duration.ofSeconds(2);
    private static final String PRIMER = "primer";

    @RegisterExtension static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobRest.miniClusterWithFreshMetrics();

    @TempDir Path tmp;

    @Test
    void misbehavingStreamsNeitherStallTheJobNorLoseWindows(
            @InjectClusterClient ClusterClient<?> client) throws Exception {
        Path model = FusionInferenceTest.savedModel(tmp, 16, List.of("video", "audio"));
        FuseJobSettings.Topics topics = FuseJobSettings.Topics.unique(KAFKA, "misbehave");
        String video = topics.video();
        String audio = topics.audio();
        String text = topics.text();
        String predictions = topics.predictions();
        String embeddings = topics.embeddings();
        String dlq = topics.deadletter();
        // One partition per input: every stream shares its modality's watermark.
        KAFKA.createTopics(1, (short) 1, video, audio, text, dlq);
        KAFKA.createTopics(2, (short) 1, predictions, embeddings);

        // Flink's default 5 s idleness: the empty text topic goes idle a few seconds into the
        // traffic (the first windows wait until then), while a video or audio partition starved
        // for 1 s on a loaded machine does not (docs/reliability.md, Hostile input).
        JobClient job =
                FuseJobSettings.of(KAFKA.bootstrapServers(), topics, model)
                        .set("watermarks.idleness", "5s")
                        .set("inference.batch-size", 8)
                        .set("inference.max-wait", "50ms")
                        .set("align.timeout.audio", AUDIO_TIMEOUT.toMillis() + "ms")
                        .set("align.idle-flush", IDLE_FLUSH.toMillis() + "ms")
                        .start("misbehave-it");
        try {
            JobRest.awaitAllTasksRunning(client, job.getJobID(), Duration.ofSeconds(60));

            // Prime: one frame and one chunk of stream "primer", then wait until the aligner has
            // a watermark, i.e. the empty text partition is idle and video and audio are active.
            // The traffic then starts on a moving watermark, not on one held back for a
            // deployment-dependent while (or driven by whichever partition delivers first).
            long primerUs = System.currentTimeMillis() * 1000;
            sendLive(
                    List.of(
                            new Planned(primerUs, primerUs, PRIMER, true, 0, Fate.OK),
                            new Planned(primerUs, primerUs, PRIMER, false, 0, Fate.OK)),
                    video,
                    audio);
            JobRest.awaitInputWatermark(
                    client,
                    job.getJobID(),
                    "align",
                    primerUs / 1000 - 1_000,
                    Duration.ofSeconds(60));

            // Start on a whole second, so windows and behaviours line up with seconds.
            long startUs = (System.currentTimeMillis() / 1000 + 1) * SEC;
            List<Planned> plan = MisbehavingStreams.plan(startUs);
            Map<String, Integer> fates = MisbehavingStreams.fates(plan);
            long lastSendUs = sendLive(plan, video, audio);
            long endUs = startUs + MisbehavingStreams.SECONDS * SEC;

            // Traffic over: the watermark stops; the idle flush must emit the last windows.
            List<Prediction> got = List.of();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline && !hasWindow(got, "steady", endUs - SEC)) {
                Thread.sleep(500);
                got = readAll(predictions, RecordType.PREDICTION);
            }
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
            assertThat(JobRest.numRestarts(client, job.getJobID())).isZero();
            Map<String, Long> counters =
                    JobRest.vertexMetricSums(
                            client,
                            job.getJobID(),
                            "align",
                            ".align.",
                            "windowsFlushedIdle",
                            "windowsForcedByCap",
                            "lateRecords");
            long flushedIdle = counters.get("windowsFlushedIdle");
            long forced = counters.get("windowsForcedByCap");
            long lateMetric = counters.get("lateRecords");
            // Read again after the metrics (seconds of checkpoints later): nothing more appears.
            got = readAll(predictions, RecordType.PREDICTION);
            List<DeadLetter> dead = readAll(dlq, RecordType.DEAD_LETTER);

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
            Map<String, List<Integer>> expected = MisbehavingStreams.expectedWindows();
            Map<String, List<Integer>> windows = new TreeMap<>();
            byStream.forEach((k, v) -> windows.put(k, windows(v, startUs)));
            assertThat(windows.remove(PRIMER)).as("the primer's window").hasSize(1);
            assertThat(windows).isEqualTo(expected);

            // No stall: every window but each stream's last was completed by the watermark.
            assertThat(forced).as("windows forced out by the pending cap").isZero();
            // Each stream's last window can only come from the idle flush: the watermark stops
            // before its end.
            assertThat(flushedIdle)
                    .as("windows flushed without a watermark")
                    .isGreaterThanOrEqualTo(expected.size());
            report.put("windows flushed idle", Long.toString(flushedIdle));

            // The steady stream is whole throughout. Window end to prediction emitted, all but
            // its last window (that one waits for the idle flush): measured.
            List<long[]> steadyLatencyMs = new ArrayList<>(); // {ms, window}
            for (Prediction p : byStream.get("steady")) {
                int w = (int) ((p.getWindowStartUs() - startUs) / SEC);
                if (p.getWindowEndUs() < endUs) {
                    steadyLatencyMs.add(
                            new long[] {
                                (p.getTimes().getEmittedAtUs() - p.getWindowEndUs()) / 1000, w
                            });
                }
                assertThat(p.getDegraded()).as("steady window %d degraded", w).isFalse();
            }
            steadyLatencyMs.sort(Comparator.comparingLong(l -> l[0]));
            long[] max = steadyLatencyMs.get(steadyLatencyMs.size() - 1);
            report.put(
                    "steady latency ms p50/max (window of the max)",
                    steadyLatencyMs.get(steadyLatencyMs.size() / 2)[0]
                            + "/"
                            + max[0]
                            + " ("
                            + max[1]
                            + ")");
            Prediction last = byStream.get("steady").get(byStream.get("steady").size() - 1);
            report.put(
                    "last window after traffic ended ms",
                    Long.toString((last.getTimes().getEmittedAtUs() - lastSendUs) / 1000));

            // Audio stops at 6 s and returns at 13 s: degraded from window 6 to 12.
            List<Prediction> mute = byStream.get("mute");
            for (Prediction p : mute) {
                int w = (int) ((p.getWindowStartUs() - startUs) / SEC);
                boolean silent = MisbehavingStreams.muted(w);
                assertThat(p.getPresence().getAudio())
                        .as("mute window %d audio", w)
                        .isEqualTo(!silent);
                assertThat(p.getDegraded()).as("mute window %d degraded", w).isEqualTo(silent);
            }
            // The fallback waits for the audio timeout at most, in event time: the first degraded
            // window is aligned no later than the steady window ending at stop + timeout, which
            // the same watermark releases. Wall clock from the stop: measured.
            long audioStoppedUs = startUs + 6 * SEC;
            Prediction firstDegraded =
                    mute.stream().filter(Prediction::getDegraded).findFirst().orElseThrow();
            Prediction timeoutPassed =
                    byStream.get("steady").stream()
                            .filter(
                                    p ->
                                            p.getWindowEndUs()
                                                    == audioStoppedUs
                                                            + AUDIO_TIMEOUT.toNanos() / 1000)
                            .findFirst()
                            .orElseThrow();
            assertThat(firstDegraded.getTimes().getAlignedAtUs())
                    .as("first degraded window aligned by the time the audio timeout passed")
                    .isLessThanOrEqualTo(timeoutPassed.getTimes().getAlignedAtUs());
            report.put(
                    "audio stop -> first degraded prediction ms (timeout "
                            + AUDIO_TIMEOUT.toMillis()
                            + ")",
                    Long.toString(
                            (firstDegraded.getTimes().getEmittedAtUs() - audioStoppedUs) / 1000));
            Prediction firstBack =
                    mute.stream()
                            .filter(p -> p.getWindowStartUs() >= startUs + 13 * SEC)
                            .findFirst()
                            .orElseThrow();
            report.put(
                    "audio back -> first full prediction ms",
                    Long.toString(
                            (firstBack.getTimes().getEmittedAtUs() - (startUs + 13 * SEC)) / 1000));

            // Late records: dead letters at stage align, one per late record, as counted.
            Map<String, Integer> lateByStream = new TreeMap<>();
            Map<String, Integer> futureByStream = new TreeMap<>();
            List<Long> shuffledLateUs = new ArrayList<>();
            Map<String, Integer> lateSeconds = new TreeMap<>(); // stream@second of event time
            var frames = AvroSerde.of(RecordType.VIDEO_FRAME, WireFormat.SINGLE_OBJECT);
            for (DeadLetter d : dead) {
                String stream = StandardCharsets.UTF_8.decode(d.getRawKey()).toString();
                if (d.getStage().equals("align")) {
                    assertThat(d.getErrorMessage()).contains("arrived after every window");
                    lateByStream.merge(stream, 1, Integer::sum);
                    lateSeconds.merge(
                            stream
                                    + "@"
                                    + Math.floorDiv(d.getSourceTimestampMs() * 1000 - startUs, SEC),
                            1,
                            Integer::sum);
                    if (stream.equals("shuffled")) {
                        byte[] raw = new byte[d.getRawValue().remaining()];
                        d.getRawValue().duplicate().get(raw);
                        // Only frames were sent late: anything else is an error (-1).
                        shuffledLateUs.add(
                                d.getSourceTopic().equals(video)
                                        ? frames.decode(raw).getEventTimeUs()
                                        : -1L);
                    }
                } else {
                    assertThat(d.getStage()).isEqualTo("validate");
                    assertThat(d.getErrorMessage()).contains("ahead of the wall clock");
                    futureByStream.merge(stream, 1, Integer::sum);
                }
            }
            System.out.printf("[misbehave] late dead letters by stream@second %s%n", lateSeconds);
            // A frame sent 3 s late is late only if the watermark has passed its window by the
            // time it is read; behind a backlog (a loaded machine) the periodic watermark lags
            // the records and the frame still joins its open window. None of the frames sent in
            // time may be late, and no late frame twice.
            List<Long> plannedLateUs =
                    plan.stream()
                            .filter(p -> p.stream().equals("shuffled") && p.fate() == Fate.LATE)
                            .map(Planned::eventUs)
                            .toList();
            assertThat(shuffledLateUs)
                    .as("shuffled frames dead-lettered as late")
                    .doesNotHaveDuplicates()
                    .isSubsetOf(plannedLateUs);
            report.put(
                    "shuffled late frames dead-lettered",
                    shuffledLateUs.size() + " of " + plannedLateUs.size());
            assertThat(lateByStream.get("jumper")).isEqualTo(fates.get("jumper:" + Fate.LATE));
            assertThat(lateByStream.getOrDefault("lagging", 0))
                    .isBetween(1, fates.get("lagging:" + Fate.MAYBE_LATE));
            assertThat(lateByStream.keySet()).isSubsetOf("shuffled", "jumper", "lagging");
            assertThat(futureByStream)
                    .isEqualTo(Map.of("jumper", fates.get("jumper:" + Fate.FUTURE)));
            int lateLetters = lateByStream.values().stream().mapToInt(Integer::intValue).sum();
            assertThat(lateMetric).as("lateRecords metric").isEqualTo(lateLetters);
            report.put("late dead letters per stream", lateByStream.toString());
            report.put(
                    "lagging windows with audio",
                    windows(
                                    byStream.get("lagging").stream()
                                            .filter(p -> p.getPresence().getAudio())
                                            .toList(),
                                    startUs)
                            .toString());
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

    private static <T extends SpecificRecord> List<T> readAll(String topic, RecordType<T> type)
            throws Exception {
        return TopicReader.readAll(KAFKA.bootstrapServers(), topic, type, Duration.ofSeconds(30));
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

    /**
     * Sends the plan at its wall-clock times; returns when the last record was acknowledged. Every
     * send must be accepted: a refused batch would take other streams' records with it.
     */
    private static long sendLive(List<Planned> plan, String videoTopic, String audioTopic)
            throws Exception {
        var vs = AvroSerde.of(RecordType.VIDEO_FRAME, WireFormat.SINGLE_OBJECT);
        var as = AvroSerde.of(RecordType.AUDIO_CHUNK, WireFormat.SINGLE_OBJECT);
        var props = KafkaTestClients.producerProperties(KAFKA.bootstrapServers());
        Map<String, Integer> refused = new ConcurrentSkipListMap<>();
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (Planned p : plan) {
                long waitMs = p.sendUs() / 1000 - System.currentTimeMillis();
                if (waitMs > 0) {
                    producer.flush();
                    Thread.sleep(waitMs);
                }
                byte[] key = p.stream().getBytes(StandardCharsets.UTF_8);
                // No Kafka timestamp: the producer's clock is right, only the media clock
                // misbehaves. A broker refuses CreateTime more than 1 h ahead (Kafka 4's
                // log.message.timestamp.after.max.ms), and with it the rest of the batch.
                ProducerRecord<byte[], byte[]> r =
                        p.video()
                                ? new ProducerRecord<>(videoTopic, key, vs.encode(p.frame()))
                                : new ProducerRecord<>(audioTopic, key, as.encode(p.chunk()));
                producer.send(
                        r,
                        (ack, e) -> {
                            if (e != null) {
                                refused.merge(
                                        p.stream() + ": " + e.getClass().getSimpleName(),
                                        1,
                                        Integer::sum);
                            }
                        });
            }
            producer.flush();
        }
        assertThat(refused).as("sends the broker refused").isEmpty();
        return System.currentTimeMillis() * 1000;
    }
}
