package io.avfuse.jobs.deploy;

import static io.avfuse.jobs.align.AlignFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.kafka.TopicReader;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.testing.KafkaTestClients;
import io.avfuse.deploy.local.LocalFlinkCluster;
import io.avfuse.jobs.align.AlignFixtures;
import io.avfuse.jobs.align.ModalityEvent;
import io.avfuse.jobs.model.FusionInferenceTest;
import io.avfuse.schemas.Prediction;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fusion job on a real multi-process cluster: a JobManager and two TaskManagers in their own
 * JVMs (from deploy/local's lib/, natives included), the shaded job jar submitted through the REST
 * API, a real broker. One TaskManager is killed with SIGKILL while windows flow; the job restarts
 * from its last checkpoint on the survivor, and the read_committed prediction topic ends up with
 * every (stream, window) exactly once: none lost, none repeated.
 */
class LocalClusterITCase {
    @RegisterExtension static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();

    private static final int STREAMS = 4;
    private static final int SECONDS = 20;
    private static final int FIRST_PHASE_SECONDS = 10;

    @TempDir Path tmp;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aKilledTaskManagerLosesAndRepeatsNoPrediction() throws Exception {
        Path jobJar = ClusterRuns.jobJar();
        Path model = FusionInferenceTest.savedModel(tmp, 16, List.of("video", "audio"));

        String video = KAFKA.uniqueTopic("cluster-video");
        String audio = KAFKA.uniqueTopic("cluster-audio");
        String text = KAFKA.uniqueTopic("cluster-text");
        String predictions = KAFKA.uniqueTopic("cluster-predictions");
        String embeddings = KAFKA.uniqueTopic("cluster-embeddings");
        String dlq = KAFKA.uniqueTopic("cluster-deadletter");
        KAFKA.createTopics(1, (short) 1, video, audio, dlq);
        KAFKA.createTopics(2, (short) 1, text, predictions, embeddings);

        List<String> streams = new ArrayList<>();
        for (int i = 0; i < STREAMS; i++) {
            streams.add("cam-" + i);
        }
        produce(streams, 0, FIRST_PHASE_SECONDS, video, audio, text, false);

        long t0 = System.nanoTime();
        try (LocalFlinkCluster flink = ClusterRuns.cluster(tmp.resolve("cluster"))) {
            try {
                flink.start();
                double startSeconds = ClusterRuns.seconds(t0);
                assertThat(flink.rest().taskManagers()).contains(2);
                assertThat(flink.alive())
                        .containsOnlyKeys("jobmanager", "taskmanager-0", "taskmanager-1");

                long submitted = System.nanoTime();
                String job =
                        flink.rest()
                                .submit(
                                        jobJar,
                                        ClusterFuseJob.class.getName(),
                                        jobArgs(
                                                video,
                                                audio,
                                                text,
                                                predictions,
                                                embeddings,
                                                dlq,
                                                model,
                                                flink.runDir().resolve("checkpoints")),
                                        2);
                ClusterRuns.awaitTrue(
                        "every task of job " + job + " running",
                        Duration.ofSeconds(90),
                        () -> flink.rest().allTasksRunning(job));
                double runningSeconds = ClusterRuns.seconds(submitted);

                // Windows flow: some predictions are committed before the crash.
                ClusterRuns.awaitTrue(
                        "first committed predictions",
                        Duration.ofSeconds(60),
                        () -> read(predictions).size() >= STREAMS);
                int beforeKill = read(predictions).size();
                assertThat(flink.rest().restarts(job)).isZero();

                long killedAtMillis = System.currentTimeMillis();
                long killedPid = flink.killTaskManager(1);
                long killed = System.nanoTime();
                assertThat(ProcessHandle.of(killedPid).filter(ProcessHandle::isAlive))
                        .as("pid %d is gone", killedPid)
                        .isEmpty();
                // The rest of the input arrives while the job recovers.
                produce(streams, FIRST_PHASE_SECONDS, SECONDS, video, audio, text, true);

                // The restart as the execution graph records it: numRestarts comes from the REST
                // API's metric cache, which can lag behind while a TaskManager is gone.
                try {
                    ClusterRuns.awaitTrue(
                            "job " + job + " restarted and running again",
                            Duration.ofSeconds(120),
                            () ->
                                    flink.rest().lastRestartMillis(job) >= killedAtMillis
                                            && flink.rest().allTasksRunning(job));
                } catch (AssertionError e) {
                    System.err.println(
                            "[LocalClusterITCase] job: " + flink.rest().get("/jobs/" + job));
                    throw e;
                }
                double recoverySeconds = ClusterRuns.seconds(killed);

                int expected = STREAMS * SECONDS;
                ClusterRuns.awaitTrue(
                        "all " + expected + " windows predicted",
                        Duration.ofSeconds(90),
                        () -> expectedKeys(read(predictions), streams).size() >= expected);
                double allCommittedSeconds = ClusterRuns.seconds(killed);
                Thread.sleep(3_000); // more checkpoints commit: nothing more may appear

                List<Prediction> got = read(predictions);
                Map<String, Long> perWindow =
                        got.stream()
                                .collect(
                                        Collectors.groupingBy(
                                                LocalClusterITCase::key,
                                                TreeMap::new,
                                                Collectors.counting()));
                Set<String> wanted = new TreeSet<>();
                for (String s : streams) {
                    for (int w = 0; w < SECONDS; w++) {
                        wanted.add(s + "@" + w);
                    }
                }
                assertThat(perWindow.keySet()).containsAll(wanted);
                assertThat(perWindow)
                        .as("predictions per (stream, window)")
                        .allSatisfy((k, n) -> assertThat(n).as(k).isEqualTo(1L));
                // Only the clock stream, which carries the watermarks, may add windows of its own.
                assertThat(perWindow.keySet())
                        .filteredOn(k -> !wanted.contains(k))
                        .allSatisfy(k -> assertThat(k).startsWith("clock@"));
                assertThat(flink.alive()).containsOnlyKeys("jobmanager", "taskmanager-0");
                assertThat(flink.rest().jobState(job)).isEqualTo("RUNNING");
                long restarts = flink.rest().restarts(job);

                // Cancel and submit again, as an upgrade would: main runs again in the
                // JobManager and the tasks open the model again on taskmanager-0, each in a new
                // user-code classloader of a JVM that already loaded libtorch. With the natives
                // inside the job jar this fails ("libc10.so already loaded in another
                // classloader"); from the cluster's lib/ it must not.
                flink.rest().cancel(job);
                ClusterRuns.awaitTrue(
                        "job " + job + " canceled",
                        Duration.ofSeconds(30),
                        () -> flink.rest().jobState(job).equals("CANCELED"));
                String again = KAFKA.uniqueTopic("cluster-predictions-again");
                KAFKA.createTopics(2, (short) 1, again);
                long resubmitted = System.nanoTime();
                String second =
                        flink.rest()
                                .submit(
                                        jobJar,
                                        ClusterFuseJob.class.getName(),
                                        jobArgs(
                                                video,
                                                audio,
                                                text,
                                                again,
                                                embeddings,
                                                dlq,
                                                model,
                                                flink.runDir().resolve("checkpoints")),
                                        2);
                ClusterRuns.awaitTrue(
                        "the resubmitted job predicting all " + expected + " windows again",
                        Duration.ofSeconds(90),
                        () -> expectedKeys(read(again), streams).size() >= expected);
                double resubmitSeconds = ClusterRuns.seconds(resubmitted);
                assertThat(flink.rest().restarts(second)).isZero();

                System.out.printf(
                        "[LocalClusterITCase] cluster start to 2 TaskManagers %.1f s; submit to"
                                + " all tasks running %.1f s; %d predictions committed before"
                                + " kill -9 of taskmanager-1 (pid %d); restarts %d; kill to job"
                                + " running again %.1f s; kill to all %d windows committed %.1f s;"
                                + " %d predictions (%d windows of %d streams + clock), each"
                                + " exactly once; cancelled and resubmitted: all windows"
                                + " predicted again %.1f s after submission, no restart%n",
                        startSeconds,
                        runningSeconds,
                        beforeKill,
                        killedPid,
                        restarts,
                        recoverySeconds,
                        expected,
                        allCommittedSeconds,
                        got.size(),
                        expected,
                        STREAMS,
                        resubmitSeconds);
            } catch (Throwable e) {
                ClusterRuns.dumpLogs(flink);
                throw e;
            }
        }
    }

    private static List<String> jobArgs(
            String video,
            String audio,
            String text,
            String predictions,
            String embeddings,
            String dlq,
            Path model,
            Path checkpoints) {
        List<String> sets =
                List.of(
                        "kafka.bootstrap-servers=" + KAFKA.bootstrapServers(),
                        "kafka.group-id=cluster-it-" + predictions,
                        "topics.video=" + video,
                        "topics.audio=" + audio,
                        "topics.text=" + text,
                        "topics.predictions=" + predictions,
                        "topics.embeddings=" + embeddings,
                        "topics.deadletter=" + dlq,
                        "model.dir=" + model,
                        "inference.batch-size=4",
                        "inference.max-wait=100ms",
                        "watermarks.idleness=1s",
                        "watermarks.idleness.startup=1s",
                        "job.parallelism=2",
                        "job.checkpoint-interval=1s",
                        "job.restart-delay=1s",
                        "job.checkpoint-dir=" + checkpoints.toUri());
        return ClusterRuns.setArgs(sets);
    }

    /**
     * A/V of every stream for [fromSecond, toSecond); with {@code clock}, also a stream 10 s ahead
     * whose records carry the video and audio watermarks past every window.
     */
    private static void produce(
            List<String> streams,
            int fromSecond,
            int toSecond,
            String video,
            String audio,
            String text,
            boolean clock)
            throws Exception {
        List<ModalityEvent> events = new ArrayList<>();
        for (String s : streams) {
            events.addAll(AlignFixtures.av(s, fromSecond * 1_000_000L, toSecond * 1_000_000L));
        }
        List<org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]>> records =
                new ArrayList<>(AlignFixtures.records(events, video, audio, text));
        if (clock) {
            long ahead = (toSecond + 10) * 1_000_000L;
            records.addAll(
                    AlignFixtures.records(
                            List.of(
                                    ModalityEvent.of(
                                            AlignFixtures.frame(
                                                    "clock", ahead / AlignFixtures.FRAME_US)),
                                    ModalityEvent.of(
                                            AlignFixtures.chunk(
                                                    "clock", ahead / AlignFixtures.CHUNK_US))),
                            video,
                            audio,
                            text));
        }
        KafkaTestClients.produce(KAFKA.bootstrapServers(), records);
    }

    private static String key(Prediction p) {
        return p.getStreamId() + "@" + (p.getWindowStartUs() - T0) / 1_000_000L;
    }

    private static Set<String> expectedKeys(List<Prediction> got, List<String> streams) {
        return got.stream()
                .filter(p -> streams.contains(p.getStreamId()))
                .map(LocalClusterITCase::key)
                .collect(Collectors.toSet());
    }

    private static List<Prediction> read(String topic) throws Exception {
        return TopicReader.readAll(
                KAFKA.bootstrapServers(), topic, RecordType.PREDICTION, Duration.ofSeconds(30));
    }
}
