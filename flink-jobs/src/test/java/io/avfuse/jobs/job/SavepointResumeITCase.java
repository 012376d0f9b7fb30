package io.avfuse.jobs.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.ingest.KafkaRecordSink;
import io.avfuse.jobs.model.FusionInferenceTest;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.shaded.guava33.com.google.common.hash.Hashing;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An upgrade as an operator does it: the production fuse job ({@link FuseJob#defineFromKafka},
 * exactly-once Kafka sinks) is stopped with a savepoint ({@code flink stop --savepointPath}) while
 * windows are pending in the aligner, the rest of the input is produced, and the job is started
 * again from the savepoint ({@code flink run --fromSavepoint}, without {@code
 * --allowNonRestoredState}: a state whose uid the new job lacks fails the start). Twice: a
 * canonical savepoint, then a native one. Each stop comes between two records of one window of
 * every stream (frame 0 and the audio before the first stop, frame 0 before the second), so those
 * windows straddle the stop and only the savepoint's aligner state can make them whole. Read back
 * {@code read_committed}: every window exactly once, none of the straddling windows split, no dead
 * letter, the same content in every stream, every input record counted once by the aligners of the
 * three runs together, the group offsets at the end of the input, and the last job RUNNING without
 * a restart.
 */
class SavepointResumeITCase {
    private static final Logger LOG = LoggerFactory.getLogger(SavepointResumeITCase.class);

    private static final int STREAMS = 12;
    private static final int WINDOWS = 150;
    private static final long WINDOW_US = 100_000;

    /** The input record ({@code 3 * window + record}) before which each stop comes. */
    private static final int[] STOPS = {3 * 50 + 2, 3 * 100 + 1};

    private static final SavepointFormatType[] FORMATS = {
        SavepointFormatType.CANONICAL, SavepointFormatType.NATIVE
    };

    @RegisterExtension static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobRest.miniClusterWithFreshMetrics();

    @TempDir Path tmp;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void stopWithSavepointAndResumeCommitsEveryWindowExactlyOnce(
            @InjectClusterClient ClusterClient<?> client) throws Exception {
        long started = System.nanoTime();
        Path model = FusionInferenceTest.savedModel(tmp, 16, List.of("video", "audio"));
        ReliabilityTopics topics = ReliabilityTopics.create(KAFKA, "savepoint");
        List<String> options = topics.jobOptions(model);
        options.addAll(
                List.of(
                        "job.checkpoint-interval=500ms",
                        // The test stops the job while windows wait for their last record; a
                        // slow machine must not have them flushed as idle before the stop.
                        "align.idle-flush=120s"));
        JobConfig cfg = JobConfig.load(null, options);
        ReliabilityStreams input = new ReliabilityStreams(STREAMS, WINDOWS, WINDOW_US);
        Set<String> expected = input.expectedWindows();

        List<String> figures = new ArrayList<>();
        List<Long> alignedRecords = new ArrayList<>();
        SavepointRestoreSettings restore = SavepointRestoreSettings.none();
        JobClient job = null;
        try (KafkaRecordSink sink = topics.ingestSink();
                CommittedWindows out = topics.committedWindows()) {
            int from = 0;
            for (int run = 0; run <= STOPS.length; run++) {
                long submitted = System.nanoTime();
                job = FuseJobSettings.start(cfg, "savepoint-resume-" + run, restore);
                int to = run < STOPS.length ? STOPS[run] : 3 * WINDOWS;
                input.publish(sink, from, to);
                long records = (long) (to - from) * STREAMS;
                if (run == STOPS.length) {
                    input.publishClock(sink);
                    records += 2;
                }
                int before = out.complete(expected);
                long firstWindowMs = awaitMore(out, expected, before, submitted);
                if (run > 0) {
                    assertRestoredFrom(client, job.getJobID(), restore.getRestorePath());
                }
                // Every record of this part reached the aligner: the stop finds the windows of
                // the cut pending there, and no record was read twice after a restore.
                alignedRecords.add(awaitAlignedRecords(client, job.getJobID(), records));
                assertThat(job.getJobStatus().get(10, TimeUnit.SECONDS))
                        .isEqualTo(JobStatus.RUNNING);
                assertThat(JobRest.numRestarts(client, job.getJobID())).isZero();
                if (run == STOPS.length) {
                    figures.add(String.format("resumed: first window %d ms", firstWindowMs));
                    break;
                }

                long stopping = System.nanoTime();
                String savepoint =
                        job.stopWithSavepoint(
                                        false,
                                        tmp.resolve("savepoints").toUri().toString(),
                                        FORMATS[run])
                                .get(90, TimeUnit.SECONDS);
                long stopMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopping);
                assertThat(job.getJobStatus().get(10, TimeUnit.SECONDS))
                        .isEqualTo(JobStatus.FINISHED);
                Path dir = Path.of(URI.create(savepoint));
                long alignState = operatorStateSize(dir, savepoint, "align-v1");
                assertThat(alignState).as("aligner state in %s", savepoint).isPositive();
                int cutWindow = to / 3;
                out.drain(Duration.ofSeconds(1));
                assertThat(committedOf(out, input, cutWindow))
                        .as("windows of window %d, cut by the stop, committed before it", cutWindow)
                        .isEmpty();
                figures.add(
                        String.format(
                                "stop %d (%s): %d ms, savepoint %d bytes (aligner %d), %d windows"
                                        + " committed, first window after submit %d ms",
                                run + 1,
                                FORMATS[run],
                                stopMs,
                                size(dir),
                                alignState,
                                out.complete(expected),
                                firstWindowMs));
                restore = SavepointRestoreSettings.forPath(savepoint, false);
                from = to;
            }

            assertThat(out.awaitAll(expected, Duration.ofSeconds(90)))
                    .as(
                            "all %d windows committed; have %d",
                            expected.size(), out.complete(expected))
                    .isTrue();
            out.drain(Duration.ofSeconds(3));
            LOG.info(
                    "savepoint resume: {} windows of {} streams, {}; {}; aligned records per run"
                            + " {}; test {} s, load average {}",
                    expected.size(),
                    STREAMS,
                    out.tally(expected),
                    String.join("; ", figures),
                    alignedRecords,
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started),
                    Files.readString(Path.of("/proc/loadavg")).trim());
            assertThat(alignedRecords.stream().mapToLong(Long::longValue).sum())
                    .as("input records counted by the aligners of all runs")
                    .isEqualTo(3L * WINDOWS * STREAMS + 2);
            topics.assertExactlyOnce(out, input, KAFKA.broker().adminProperties());
            assertThat(job.getJobStatus().get(10, TimeUnit.SECONDS)).isEqualTo(JobStatus.RUNNING);
            assertThat(JobRest.numRestarts(client, job.getJobID())).isZero();
        } finally {
            if (job != null && !job.getJobStatus().get(10, TimeUnit.SECONDS).isTerminalState()) {
                job.cancel().get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** Reads until more than {@code before} windows are committed; ms since {@code since}. */
    private static long awaitMore(
            CommittedWindows out, Set<String> expected, int before, long since) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (out.complete(expected) <= before) {
            assertThat(System.nanoTime()).as("a new window committed").isLessThan(deadline);
            out.poll();
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
    }

    /** Waits until the aligner counted {@code records} input records; returns its count. */
    private static long awaitAlignedRecords(ClusterClient<?> client, JobID id, long records)
            throws Exception {
        long[] counted = {-1};
        ReliabilityStreams.await(
                () -> {
                    try {
                        counted[0] =
                                JobRest.vertexMetricSum(
                                        client, id, "align", "avfuse.align.modality", "recordsIn");
                        return counted[0] >= records;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                },
                TimeUnit.SECONDS.toNanos(60));
        assertThat(counted[0]).as("input records counted by the aligner").isEqualTo(records);
        return counted[0];
    }

    /** The job restored the savepoint at {@code path}, as its checkpoint statistics say. */
    private static void assertRestoredFrom(ClusterClient<?> client, JobID id, String path)
            throws Exception {
        JsonNode restored =
                JobRest.checkpoints(client.getWebInterfaceURL(), id)
                        .path("latest")
                        .path("restored");
        assertThat(restored.path("is_savepoint").asBoolean()).as("restored: %s", restored).isTrue();
        assertThat(restored.path("external_path").asText()).isEqualTo(path);
    }

    /** Committed predictions of window {@code w}, in any stream. */
    private static List<String> committedOf(CommittedWindows out, ReliabilityStreams input, int w) {
        long start = input.windowStart(w);
        return out.predicted.keySet().stream().filter(k -> k.endsWith("@" + start)).toList();
    }

    /**
     * The state size of the operator with {@code uid} in the savepoint: its id is the hash of the
     * uid, as Flink's {@code StreamGraphHasherV2} makes it.
     */
    private static long operatorStateSize(Path dir, String pointer, String uid) throws IOException {
        OperatorID id =
                new OperatorID(
                        Hashing.murmur3_128(0)
                                .newHasher()
                                .putString(uid, StandardCharsets.UTF_8)
                                .hash()
                                .asBytes());
        CheckpointMetadata metadata;
        try (InputStream in = Files.newInputStream(dir.resolve("_metadata"))) {
            metadata =
                    Checkpoints.loadCheckpointMetadata(
                            new DataInputStream(in),
                            SavepointResumeITCase.class.getClassLoader(),
                            pointer);
        }
        return metadata.getOperatorStates().stream()
                .filter(s -> s.getOperatorID().equals(id))
                .mapToLong(OperatorState::getStateSize)
                .sum();
    }

    private static long size(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
