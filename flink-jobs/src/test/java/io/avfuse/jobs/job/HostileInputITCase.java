package io.avfuse.jobs.job;

import static io.avfuse.jobs.align.AlignFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.kafka.TopicReader;
import io.avfuse.connectors.serde.AvroSerde;
import io.avfuse.connectors.serde.DeadLetters;
import io.avfuse.connectors.serde.EventTimeGuard;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.connectors.testing.HostileRecords;
import io.avfuse.connectors.testing.HostileRecords.Category;
import io.avfuse.connectors.testing.HostileRecords.Fate;
import io.avfuse.connectors.testing.HostileRecords.Hostile;
import io.avfuse.connectors.testing.KafkaTestClients;
import io.avfuse.jobs.align.AlignFixtures;
import io.avfuse.jobs.align.ModalityEvent;
import io.avfuse.jobs.model.FusionInferenceTest;
import io.avfuse.schemas.DeadLetter;
import io.avfuse.schemas.Prediction;
import io.avfuse.schemas.VideoFrame;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input against the real fuse job (real broker, MiniCluster, PyTorch engine): over 10,000
 * malformed values per input topic from {@link HostileRecords} (random bytes, bit flips,
 * truncations, AVRO-4304 vectors, unknown fingerprints, values over the size limit, impossible
 * sizes, rates, times, NaN/Inf) interleaved with valid traffic of six streams, plus records that
 * pass every record check but carry damage the job must sanitise (corrupt JPEGs, a JPEG claiming
 * 16000x16000 pixels, audio far outside [-1, 1], empty and 200,000-character captions). Every value
 * that must be rejected, those stamped beyond {@code watermarks.max-future} included, becomes
 * exactly one dead letter at its stage with its reason, its offset and the bytes sent; nothing else
 * does; every window of every valid stream is predicted exactly once with finite scores; the job
 * never restarts; the heap after GC stays bounded.
 */
class HostileInputITCase {
    private static final int PER_TOPIC = 10_000;
    private static final int SECONDS = 6;
    private static final long MAX_HEAP_GROWTH = 256L << 20;

    @RegisterExtension static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();

    @RegisterExtension static final MiniClusterExtension FLINK = JobRest.miniCluster();

    @TempDir Path tmp;

    /** One produced record and, for a hostile one, what must become of it. */
    private record Sent(ProducerRecord<byte[], byte[]> record, Hostile hostile) {}

    @Test
    void hostileInputBecomesDeadLettersAndEveryValidWindowIsStillPredictedOnce(
            @InjectClusterClient ClusterClient<?> client) throws Exception {
        long started = System.nanoTime();
        // The time guard judges by the wall clock (watermarks.max-future: 1 h). Valid traffic is
        // stamped 2026-01-01 and the guard's hostile values in 2099: for any clock in between, the
        // verdicts are the same whenever the test runs.
        assertThat(System.currentTimeMillis() * 1000)
                .as("wall clock, µs since the epoch")
                .isBetween(T0 + SECONDS * 1_000_000L, HostileRecords.YEAR_2099_US - 3_600_000_000L);
        Path model = FusionInferenceTest.savedModel(tmp, 16, List.of("video", "audio", "text"));
        long modelSaved = System.nanoTime();
        FuseJobSettings.Topics topics = FuseJobSettings.Topics.unique(KAFKA, "hostile");
        String video = topics.video();
        String audio = topics.audio();
        String text = topics.text();
        // Inputs accept 8 MB messages, as a deployment carrying raw frames would: the job's own
        // 1 MiB limit (kafka.max-record-bytes) must reject the larger ones.
        Map<String, String> big = Map.of("max.message.bytes", Integer.toString(8 << 20));
        KAFKA.createTopics(1, (short) 1, big, video, audio);
        KAFKA.createTopics(3, (short) 1, big, text);
        String predictions = topics.predictions();
        String embeddings = topics.embeddings();
        String dlq = topics.deadletter();
        KAFKA.createTopics(2, (short) 1, predictions, embeddings);
        KAFKA.createTopics(1, (short) 1, dlq);

        // Valid traffic: four clean streams, one whose every frame is a corrupt JPEG (two of them
        // decompression bombs), one whose audio is far outside [-1, 1]; captions empty and huge.
        HostileRecords fuzz = new HostileRecords(20261123L);
        List<ModalityEvent> valid = new ArrayList<>();
        List<String> streams = List.of("cam-0", "cam-1", "cam-2", "cam-3", "odd-jpeg", "odd-loud");
        for (String s : streams.subList(0, 4)) {
            valid.addAll(AlignFixtures.av(s, 0, SECONDS * 1_000_000L));
        }
        for (ModalityEvent e : AlignFixtures.av("odd-jpeg", 0, SECONDS * 1_000_000L)) {
            if (e.video == null) {
                valid.add(e);
                continue;
            }
            long i = e.video.getFrameIndex();
            VideoFrame bad =
                    i == 30 || i == 100
                            ? fuzz.jpegBomb("odd-jpeg", i, e.eventTimeUs(), 16000)
                            : fuzz.corruptJpeg("odd-jpeg", i, e.eventTimeUs());
            valid.add(ModalityEvent.of(bad));
        }
        // odd-loud: audio at ±1.5 (accepted as it is) for 3 s, then at ±1e30, which is rejected:
        // in the middle of valid traffic, with the rest of its stream's windows still predicted.
        Map<ByteBuffer, Hostile> rejectedInStream = new HashMap<>();
        var audioSerde = AvroSerde.of(RecordType.AUDIO_CHUNK, WireFormat.SINGLE_OBJECT);
        for (ModalityEvent e : AlignFixtures.av("odd-loud", 0, SECONDS * 1_000_000L)) {
            if (e.audio == null) {
                valid.add(e);
                continue;
            }
            boolean absurd = e.eventTimeUs() >= T0 + 3_000_000;
            var chunk =
                    HostileRecords.loudAudio(
                            "odd-loud",
                            e.audio.getChunkIndex(),
                            e.eventTimeUs(),
                            absurd ? 1e30f : 1.5f);
            valid.add(ModalityEvent.of(chunk));
            if (absurd) {
                byte[] raw = audioSerde.encode(chunk);
                rejectedInStream.put(
                        ByteBuffer.wrap(raw),
                        new Hostile(
                                RecordType.AUDIO_CHUNK,
                                Category.ABSURD_AMPLITUDE,
                                "odd-loud".getBytes(StandardCharsets.UTF_8),
                                raw,
                                Fate.DECODER,
                                "validate",
                                "sample 0 is 1.0E30, beyond ±1000"));
            }
        }
        valid.add(ModalityEvent.of(HostileRecords.caption("cam-0", T0 + 1_200_000, 0)));
        valid.add(ModalityEvent.of(HostileRecords.caption("cam-1", T0 + 2_300_000, 200_000)));
        valid.add(ModalityEvent.of(HostileRecords.caption("cam-2", T0 + 3_400_000, 1)));
        // The clock stream carries the video and audio watermarks past every window.
        valid.add(ModalityEvent.of(AlignFixtures.frame("clock", 500)));
        valid.add(ModalityEvent.of(AlignFixtures.chunk("clock", 1000)));

        // Hostile values per topic, and the few multi-megabyte ones.
        Map<String, List<Hostile>> hostile = new HashMap<>();
        hostile.put(video, new ArrayList<>(fuzz.generate(RecordType.VIDEO_FRAME, PER_TOPIC)));
        hostile.put(audio, new ArrayList<>(fuzz.generate(RecordType.AUDIO_CHUNK, PER_TOPIC)));
        hostile.put(text, new ArrayList<>(fuzz.generate(RecordType.TEXT_EVENT, PER_TOPIC)));
        hostile.get(video)
                .add(PER_TOPIC / 2, fuzz.make(RecordType.VIDEO_FRAME, Category.OVERSIZED_VALUE));
        hostile.get(audio)
                .add(PER_TOPIC / 3, fuzz.make(RecordType.AUDIO_CHUNK, Category.OVERSIZED_VALUE));
        hostile.get(text)
                .add(PER_TOPIC / 4, fuzz.make(RecordType.TEXT_EVENT, Category.OVERSIZED_TEXT));

        long fuzzed = System.nanoTime();
        List<Sent> order =
                interleave(valid, rejectedInStream, hostile, video, audio, text, new Random(11));
        List<RecordMetadata> acks = produce(order);
        Map<String, Sent> byOffset = new HashMap<>();
        Map<String, Integer> guardedPerTopic = new TreeMap<>();
        Map<Category, Integer> perCategory = new EnumMap<>(Category.class);
        int mustReject = 0;
        for (int i = 0; i < order.size(); i++) {
            Sent s = order.get(i);
            if (s.hostile() == null) {
                continue;
            }
            perCategory.merge(s.hostile().category(), 1, Integer::sum);
            mustReject++;
            RecordMetadata m = acks.get(i);
            byOffset.put(m.topic() + "/" + m.partition() + "/" + m.offset(), s);
            if (s.hostile().fate() == Fate.TIME_GUARD) {
                guardedPerTopic.merge(m.topic(), 1, Integer::sum);
            }
        }
        for (String topic : List.of(video, audio, text)) {
            assertThat(hostile.get(topic)).hasSizeGreaterThan(PER_TOPIC);
        }
        long producedAt = System.nanoTime();

        long heapBefore = usedHeapAfterGc();
        AtomicLong peakHeap = new AtomicLong();
        Thread sampler = heapSampler(peakHeap);

        JobClient job =
                FuseJobSettings.of(KAFKA.bootstrapServers(), topics, model)
                        // The job's own idleness settings, not the job tests' 1 s: a source busy
                        // with its first fetch on a loaded machine is not idle before the start-up
                        // bound (with 5 s idleness from the start, one run at load 30 lost a
                        // second of video and audio of every stream to lateness; with 1 s a
                        // backlog stalled for a second counts as idle, see docs/reliability.md).
                        // Video and audio (one partition each) run one source subtask, so none
                        // holds the windows for the start-up bound (SourceParallelism).
                        .set(
                                "watermarks.idleness",
                                JobOptions.IDLENESS.defaultValue().toMillis() + "ms")
                        .set(
                                "watermarks.idleness.startup",
                                JobOptions.IDLENESS_STARTUP.defaultValue().toMillis() + "ms")
                        // No idle flush: the clock stream's last window stays pending, so the
                        // valid windows are exactly the six streams' 36.
                        .set("align.idle-flush", "0s")
                        .start("hostile-it");
        long jobStarted = System.nanoTime();
        try {
            // Scheduling takes seconds on a loaded machine; from then on it must stay RUNNING.
            JobRest.awaitAllTasksRunning(client, job.getJobID(), Duration.ofSeconds(60));
            int windows = streams.size() * SECONDS;
            List<Prediction> got = List.of();
            List<DeadLetter> dead = List.of();
            long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
            while (System.nanoTime() < deadline
                    && (got.size() < windows || dead.size() < mustReject)) {
                Thread.sleep(2000);
                got = read(predictions, RecordType.PREDICTION);
                // 30,000 dead letters take a while to read: only once the windows are done.
                if (got.size() >= windows) {
                    dead = read(dlq, RecordType.DEAD_LETTER);
                }
                assertThat(job.getJobStatus().get())
                        .isEqualTo(org.apache.flink.api.common.JobStatus.RUNNING);
            }
            double processedS = (System.nanoTime() - jobStarted) / 1e9;
            Thread.sleep(2_000); // more checkpoints: nothing more may appear
            got = read(predictions, RecordType.PREDICTION);
            dead = read(dlq, RecordType.DEAD_LETTER);
            sampler.interrupt();
            long heapAfter = usedHeapAfterGc();

            // No restart, no task failure.
            JobID id = job.getJobID();
            assertThat(JobRest.numRestarts(client, id)).isZero();
            String exceptions = JobRest.get(client, "/jobs/" + id + "/exceptions");
            assertThat(exceptions).contains("\"entries\":[]");

            Map<String, Integer> alignStage = new TreeMap<>();
            for (DeadLetter d : dead) {
                if (!d.getStage().equals("decode") && !d.getStage().equals("validate")) {
                    alignStage.merge(
                            d.getStage()
                                    + " "
                                    + d.getSourceTopic()
                                    + " "
                                    + StandardCharsets.UTF_8.decode(d.getRawKey().duplicate())
                                    + " s"
                                    + Math.floorDiv(
                                            d.getSourceTimestampMs() * 1000 - T0, 1_000_000),
                            1,
                            Integer::sum);
                }
            }
            System.out.printf(
                    "[hostile] %d predictions, %d dead letters (%d must be rejected), after"
                            + " alignment: %s%n",
                    got.size(), dead.size(), mustReject, alignStage);
            assertThat(alignStage).as("valid records dead-lettered after alignment").isEmpty();

            // Every valid window exactly once, with finite scores.
            Map<String, Integer> perWindow = new TreeMap<>();
            for (Prediction p : got) {
                perWindow.merge(
                        p.getStreamId() + "@" + (p.getWindowStartUs() - T0), 1, Integer::sum);
            }
            Set<String> expectedWindows = new TreeSet<>();
            for (String s : streams) {
                for (int w = 0; w < SECONDS; w++) {
                    expectedWindows.add(s + "@" + w * 1_000_000L);
                }
            }
            assertThat(perWindow.keySet()).isEqualTo(expectedWindows);
            assertThat(perWindow.values()).containsOnly(1);
            assertThat(got)
                    .allSatisfy(
                            p -> {
                                assertThat(Float.isFinite(p.getConfidence()))
                                        .as("confidence of %s", p)
                                        .isTrue();
                                assertThat(p.getScores()).allMatch(Float::isFinite);
                            });
            // Corrupt JPEGs are left out of the video (masked), never decoded into garbage.
            assertThat(got)
                    .filteredOn(p -> p.getStreamId().equals("odd-jpeg"))
                    .allSatisfy(
                            p -> {
                                assertThat(p.getPresence().getVideo()).isFalse();
                                assertThat(p.getDegraded()).isTrue();
                            });
            assertThat(got)
                    .filteredOn(p -> p.getStreamId().startsWith("cam-"))
                    .allSatisfy(
                            p -> {
                                assertThat(p.getPresence().getVideo()).isTrue();
                                assertThat(p.getPresence().getAudio()).isTrue();
                            });
            // Audio at ±1.5 is audio; at ±1e30 it was rejected and the windows went on without.
            assertThat(
                            got.stream()
                                    .filter(p -> p.getStreamId().equals("odd-loud"))
                                    .sorted(
                                            java.util.Comparator.comparingLong(
                                                    Prediction::getWindowStartUs))
                                    .map(p -> p.getPresence().getAudio())
                                    .toList())
                    .containsExactly(true, true, true, false, false, false);
            // The 200,000-character caption was accepted and its window saw text.
            assertThat(got)
                    .filteredOn(
                            p ->
                                    p.getStreamId().equals("cam-1")
                                            && p.getWindowStartUs() == T0 + 2_000_000)
                    .singleElement()
                    .satisfies(p -> assertThat(p.getPresence().getText()).isTrue());

            // Every value that must be rejected: one dead letter, its stage, its reason, its
            // bytes exactly as sent (the time guard's too: it runs in the source's decoder).
            int guardedCount = guardedPerTopic.values().stream().mapToInt(Integer::intValue).sum();
            Map<String, Integer> deadPerCategory = new TreeMap<>();
            Map<String, Integer> guardedSeen = new TreeMap<>();
            Set<String> matched = new TreeSet<>();
            for (DeadLetter d : dead) {
                assertThat(d.getErrorMessage()).isNotBlank();
                assertThat(d.getErrorClass()).isNotBlank();
                String at =
                        d.getSourceTopic()
                                + "/"
                                + d.getSourcePartition()
                                + "/"
                                + d.getSourceOffset();
                Sent s = byOffset.get(at);
                assertThat(s).as("dead letter for a valid record at %s: %s", at, d).isNotNull();
                assertThat(matched.add(at)).as("two dead letters for %s", at).isTrue();
                Hostile h = s.hostile();
                assertThat(h.fate()).as("%s", h).isNotEqualTo(Fate.ACCEPTED);
                assertThat(d.getStage()).as("%s", h).isEqualTo(h.stage());
                assertThat(d.getErrorMessage())
                        .as("%s", h)
                        .containsPattern(Pattern.compile(h.reason()));
                if (h.value() != null) {
                    int kept = Math.min(h.value().length, DeadLetters.MAX_RAW_VALUE_BYTES);
                    assertThat(d.getRawValue())
                            .as("raw value of %s", h)
                            .isEqualTo(ByteBuffer.wrap(h.value(), 0, kept));
                }
                assertThat(d.getRawKey())
                        .as("raw key of %s", h)
                        .isEqualTo(h.key() == null ? null : ByteBuffer.wrap(h.key()));
                if (h.fate() == Fate.TIME_GUARD) {
                    assertThat(d.getErrorClass()).isEqualTo(EventTimeGuard.ERROR_CLASS);
                    assertThat(d.getErrorMessage())
                            .isEqualTo(
                                    "event time "
                                            + eventTimeUs(h.type(), h.value())
                                            + " µs is more than 3600 s ahead of the wall clock");
                    guardedSeen.merge(d.getSourceTopic(), 1, Integer::sum);
                }
                deadPerCategory.merge(h.category().name(), 1, Integer::sum);
            }
            assertThat(guardedSeen).isEqualTo(guardedPerTopic);
            // The aligner's droppedRecords, counted where the sources split off their dead letters.
            Map<String, Long> dropped = new TreeMap<>();
            for (String m : List.of("video", "audio", "text")) {
                dropped.put(
                        m,
                        JobRest.vertexMetricSum(
                                client,
                                id,
                                "Source: " + m + "-source",
                                "avfuse.align.modality." + m,
                                "droppedRecords"));
            }
            assertThat(dropped)
                    .as("the time guard's droppedRecords per modality")
                    .isEqualTo(
                            Map.of(
                                    "video", (long) guardedPerTopic.get(video),
                                    "audio", (long) guardedPerTopic.get(audio),
                                    "text", (long) guardedPerTopic.get(text)));
            assertThat(matched).hasSize(mustReject);
            assertThat(dead).hasSize(mustReject);

            long growth = heapAfter - heapBefore;
            System.out.printf(
                    "[hostile] %d hostile values (%d video, %d audio, %d text) interleaved with %d"
                            + " valid records of %d streams; %d dead letters (%d by the time"
                            + " guard), %d windows predicted once; all in %.1f s of job time"
                            + " (model %.1f s, fuzzer %.1f s, produce %.1f s, total %.1f s);"
                            + " heap after GC %d MB -> %d MB"
                            + " (growth %d MB), peak used %d MB; per category %s%n",
                    mustReject,
                    hostile.get(video).size(),
                    hostile.get(audio).size(),
                    hostile.get(text).size(),
                    valid.size(),
                    streams.size(),
                    dead.size(),
                    guardedCount,
                    got.size(),
                    processedS,
                    (modelSaved - started) / 1e9,
                    (fuzzed - modelSaved) / 1e9,
                    (producedAt - fuzzed) / 1e9,
                    (System.nanoTime() - started) / 1e9,
                    heapBefore >> 20,
                    heapAfter >> 20,
                    growth >> 20,
                    peakHeap.get() >> 20,
                    perCategory);
            assertThat(growth).as("heap growth after GC").isLessThan(MAX_HEAP_GROWTH);
        } finally {
            job.cancel().get();
        }
    }

    /**
     * Valid records in their event-time order (per topic), hostile ones spread among them at seeded
     * random places; each topic's hostile values keep their own order.
     */
    private static List<Sent> interleave(
            List<ModalityEvent> valid,
            Map<ByteBuffer, Hostile> rejectedInStream,
            Map<String, List<Hostile>> hostile,
            String video,
            String audio,
            String text,
            Random rnd) {
        List<ProducerRecord<byte[], byte[]>> good =
                AlignFixtures.records(valid, video, audio, text);
        List<Sent> bad = new ArrayList<>();
        for (String topic : List.of(video, audio, text)) {
            for (Hostile h : hostile.get(topic)) {
                // Hostile text in partition 0, the valid captions in 1 and 2: a caption queued
                // behind thousands of hostile records could be read after a stall longer than
                // watermarks.idleness, when the other modalities have completed its window, and
                // would then rightly be late (docs/reliability.md); that is not what this tests.
                Integer partition = topic.equals(text) ? 0 : null;
                bad.add(new Sent(new ProducerRecord<>(topic, partition, h.key(), h.value()), h));
            }
        }
        java.util.Collections.shuffle(bad, rnd);
        List<Sent> out = new ArrayList<>(good.size() + bad.size());
        int g = 0;
        int b = 0;
        while (g < good.size() || b < bad.size()) {
            boolean takeGood =
                    b == bad.size()
                            || (g < good.size()
                                    && rnd.nextInt(good.size() + bad.size()) < good.size());
            if (takeGood) {
                ProducerRecord<byte[], byte[]> r = good.get(g++);
                if (r.topic().equals(text)) {
                    r = new ProducerRecord<>(text, 1 + g % 2, r.key(), r.value());
                }
                out.add(new Sent(r, rejectedInStream.get(ByteBuffer.wrap(r.value()))));
            } else {
                out.add(bad.get(b++));
            }
        }
        return out;
    }

    /** Sends everything in order with one producer; returns each record's metadata. */
    private static List<RecordMetadata> produce(List<Sent> order) throws Exception {
        var props = KafkaTestClients.producerProperties(KAFKA.bootstrapServers());
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(8 << 20));
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(64L << 20));
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        List<Future<RecordMetadata>> acks = new ArrayList<>(order.size());
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (Sent s : order) {
                acks.add(producer.send(s.record()));
            }
            List<RecordMetadata> out = new ArrayList<>(acks.size());
            for (Future<RecordMetadata> a : acks) {
                out.add(a.get(60, TimeUnit.SECONDS));
            }
            return out;
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static Thread heapSampler(AtomicLong peak) {
        Thread t =
                new Thread(
                        () -> {
                            while (!Thread.currentThread().isInterrupted()) {
                                long used =
                                        ManagementFactory.getMemoryMXBean()
                                                .getHeapMemoryUsage()
                                                .getUsed();
                                peak.accumulateAndGet(used, Math::max);
                                try {
                                    Thread.sleep(100);
                                } catch (InterruptedException e) {
                                    return;
                                }
                            }
                        },
                        "heap-sampler");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The event time a time-guard value carries, read from the bytes sent. */
    private static <T extends SpecificRecord> long eventTimeUs(RecordType<T> type, byte[] value)
            throws Exception {
        return type.eventTimeUs(AvroSerde.of(type, WireFormat.SINGLE_OBJECT).decode(value));
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> List<T> read(
            String topic, RecordType<T> type) throws Exception {
        return TopicReader.readAll(KAFKA.bootstrapServers(), topic, type, Duration.ofSeconds(30));
    }

    static {
        // Referenced so that the serde's Avro limits are in force before anything decodes.
        AvroSerde.of(RecordType.VIDEO_FRAME, WireFormat.SINGLE_OBJECT);
    }
}
