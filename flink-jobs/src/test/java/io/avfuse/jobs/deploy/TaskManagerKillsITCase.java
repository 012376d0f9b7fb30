package io.avfuse.jobs.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.ingest.KafkaRecordSink;
import io.avfuse.deploy.local.LocalFlinkCluster;
import io.avfuse.jobs.job.CommittedWindows;
import io.avfuse.jobs.job.ReliabilityStreams;
import io.avfuse.jobs.job.ReliabilityTopics;
import io.avfuse.jobs.model.FusionInferenceTest;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly once through real TaskManager crashes, after Flink's {@code
 * TaskManagerProcessFailureStreamingRecoveryITCase}: the fusion job jar on the local multi-process
 * cluster (a JobManager and two TaskManagers, each its own JVM, checkpoints on the shared local
 * disk), a real broker, media ingest's producer publishing 20 streams of 100 ms windows at
 * real-time pace. At seeded random points while records flow, a TaskManager that runs the job's
 * tasks is killed with SIGKILL (its pid, as the cluster started it); the test waits until the job
 * runs again and has completed a checkpoint, then starts a fresh TaskManager in its place. Read
 * back {@code read_committed}: every window exactly once on the prediction and the embedding topic,
 * no dead letter, every stream's embedding of window w equal to every other stream's, and the
 * consumer group's committed offsets at the end of the input topics.
 *
 * <p>In the CI build with 100 windows per stream (2,000 in all) and 2 kills; {@code
 * tools/reliability/tm-kill.sh} runs 500 (10,000) and 5 kills through the system properties {@code
 * avfuse.tm-kill.windows}, {@code avfuse.tm-kill.kills} and {@code avfuse.tm-kill.seed}.
 */
class TaskManagerKillsITCase {
    @RegisterExtension static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();

    private static final int STREAMS = 20;
    private static final int TASK_MANAGERS = 2;
    private static final long WINDOW_US = 100_000;
    private static final int WINDOWS = Integer.getInteger("avfuse.tm-kill.windows", 100);
    private static final int KILLS = Integer.getInteger("avfuse.tm-kill.kills", 2);
    private static final long SEED = Long.getLong("avfuse.tm-kill.seed", 20261206L);

    @TempDir Path tmp;

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void everyWindowIsCommittedExactlyOnceThroughTaskManagerKills() throws Exception {
        long started = System.nanoTime();
        Path model = FusionInferenceTest.savedModel(tmp, 16, List.of("video", "audio"));
        ReliabilityTopics topics = ReliabilityTopics.create(KAFKA, "tmkill");

        KillPlan plan = KillPlan.seeded(SEED, KILLS, WINDOWS);
        ReliabilityStreams input = new ReliabilityStreams(STREAMS, WINDOWS, WINDOW_US);
        Set<String> expected = input.expectedWindows();

        // In target/, not in the temporary folder: the logs stay for a look after a failure.
        Path runDir = ClusterRuns.freshRunDir("tm-kill-cluster");
        try (LocalFlinkCluster flink = ClusterRuns.cluster(runDir)) {
            try {
                flink.start();
                double clusterSeconds = ClusterRuns.seconds(started);
                String job =
                        flink.rest()
                                .submit(
                                        ClusterRuns.jobJar(),
                                        ClusterFuseJob.class.getName(),
                                        ClusterRuns.setArgs(
                                                jobOptions(
                                                        topics,
                                                        model,
                                                        flink.runDir().resolve("checkpoints"))),
                                        2);
                long submitted = System.nanoTime();
                ClusterRuns.awaitTrue(
                        "every task of job " + job + " running",
                        Duration.ofSeconds(120),
                        () -> flink.rest().allTasksRunning(job));
                double runningSeconds = ClusterRuns.seconds(submitted);

                // Kill k may happen once the test has recovered from kill k - 1 ("armed"); ingest
                // holds at the window of kill k until then, and goes on while the kill and the
                // recovery happen.
                AtomicInteger armed = new AtomicInteger();
                AtomicInteger killed = new AtomicInteger();
                AtomicInteger sent = new AtomicInteger(-1);
                List<Recovery> recoveries = new ArrayList<>();
                try (KafkaRecordSink sink = topics.ingestSink();
                        CommittedWindows out = topics.committedWindows()) {
                    long ingestStarted = System.nanoTime();
                    CompletableFuture<Void> ingest =
                            CompletableFuture.runAsync(
                                    () ->
                                            input.ingest(
                                                    sink,
                                                    WINDOWS * WINDOW_US * 1_000L,
                                                    w -> {
                                                        sent.set(w);
                                                        int k = plan.killAt(w);
                                                        if (k >= 0) {
                                                            hold(() -> armed.get() > k);
                                                        }
                                                        // The clock records that close the last
                                                        // windows come after the last kill.
                                                        if (w == WINDOWS - 1) {
                                                            hold(() -> killed.get() == KILLS);
                                                        }
                                                    }));
                    for (int k = 0; k < KILLS; k++) {
                        int window = plan.window(k);
                        armed.set(k + 1);
                        ClusterRuns.awaitTrue(
                                "ingest past window " + window,
                                Duration.ofSeconds(120),
                                () -> sent.get() >= window || ingest.isDone());
                        if (ingest.isCompletedExceptionally()) {
                            ingest.join();
                        }
                        Thread.sleep(plan.delayMs(k));
                        recoveries.add(killAndRecover(flink, job, plan, k, killed));
                    }
                    ingest.get(120, TimeUnit.SECONDS);
                    double ingestSeconds = ClusterRuns.seconds(ingestStarted);

                    boolean all = out.awaitAll(expected, Duration.ofMinutes(3));
                    if (!all) {
                        // A transaction left open holds read_committed readers back.
                        try (Admin admin = Admin.create(KAFKA.broker().adminProperties())) {
                            System.err.println(
                                    "[TaskManagerKillsITCase] open transactions: "
                                            + admin.listTransactions().all().get());
                        }
                    }
                    double allCommittedSeconds = ClusterRuns.seconds(ingestStarted);
                    assertThat(all)
                            .as(
                                    "all %d windows committed; have %d",
                                    expected.size(), out.complete(expected))
                            .isTrue();
                    out.drain(Duration.ofSeconds(3)); // later checkpoints: nothing may be added
                    // numRestarts comes through the REST API's metric cache: give it time.
                    long[] restartsSeen = {0};
                    ReliabilityStreams.await(
                            () -> {
                                try {
                                    restartsSeen[0] = flink.rest().restarts(job);
                                } catch (IOException e) {
                                    return false;
                                }
                                return restartsSeen[0] >= KILLS;
                            },
                            TimeUnit.SECONDS.toNanos(30));
                    long restarts = restartsSeen[0];
                    String state = flink.rest().jobState(job);

                    System.out.printf(
                            "[TaskManagerKillsITCase] %d windows of %d streams (%d records), %d"
                                    + " SIGKILLs of a TaskManager (seed %d): %s; numRestarts %d,"
                                    + " job %s; %s; cluster start %.1f s, submit to running %.1f"
                                    + " s, ingest %.1f s, ingest start to all windows committed"
                                    + " %.1f s, test %.1f s%n",
                            expected.size(),
                            STREAMS,
                            STREAMS * input.windows * 3 + 2,
                            KILLS,
                            SEED,
                            recoveries.stream()
                                    .map(Recovery::toString)
                                    .collect(Collectors.joining("; ")),
                            restarts,
                            state,
                            out.tally(expected),
                            clusterSeconds,
                            runningSeconds,
                            ingestSeconds,
                            allCommittedSeconds,
                            ClusterRuns.seconds(started));

                    assertThat(recoveries).hasSize(KILLS);
                    assertThat(restarts).isGreaterThanOrEqualTo(KILLS);
                    assertThat(state).isEqualTo("RUNNING");
                    topics.assertExactlyOnce(out, input, KAFKA.broker().adminProperties());
                }
            } catch (Throwable e) {
                ClusterRuns.dumpLogs(flink);
                throw e;
            }
        }
    }

    /**
     * Kills a TaskManager that runs tasks of the job (seeded choice), starts a new one in its place
     * unless it was the last kill (so that the next kill again leaves one), and waits until the job
     * has restarted, runs every task again and completed a checkpoint.
     */
    private static Recovery killAndRecover(
            LocalFlinkCluster flink, String job, KillPlan plan, int k, AtomicInteger killed)
            throws Exception {
        List<String> busy = flink.rest().busyTaskManagers();
        assertThat(busy).as("TaskManagers running the job before kill %d", k + 1).isNotEmpty();
        String victim = busy.get(plan.pick(k, busy.size()));
        int index = Integer.parseInt(victim.substring("tm-".length()));
        long checkpoints = flink.rest().completedCheckpoints(job);
        long killedAtMillis = System.currentTimeMillis();
        long pid = flink.killTaskManager(index);
        long killedAt = System.nanoTime();
        killed.incrementAndGet();
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive))
                .as("pid %d is gone", pid)
                .isEmpty();
        // A supervisor would start a new process at once: so does the test, while the job
        // recovers (it may or may not get the new one's slots), except after the last kill. The
        // dead ones must be deregistered first, or the count of TaskManagers lies. A survivor can
        // exit by itself while its tasks are cancelled (Flink 2.2.1: "FATAL - exception in
        // exception handler" when releasing a network buffer rethrows the lost connection,
        // docs/reliability.md); a supervisor restarts it too, and so does the test, after every
        // kill.
        boolean replace = k < plan.kills() - 1;
        ClusterRuns.awaitTrue(
                victim + " deregistered",
                Duration.ofSeconds(60),
                () -> flink.rest().taskManagers().orElse(-1) == aliveTaskManagers(flink).size());
        List<String> exitedByThemselves = new ArrayList<>();
        for (int i = 0; i < TASK_MANAGERS; i++) {
            boolean dead = flink.pid("taskmanager-" + i).isEmpty();
            if (dead && i != index) {
                exitedByThemselves.add("tm-" + i);
            }
            if (dead && (i != index || replace)) {
                flink.startTaskManager(i);
            }
        }
        if (!exitedByThemselves.isEmpty()) {
            System.err.println(
                    "[TaskManagerKillsITCase] after kill "
                            + (k + 1)
                            + " "
                            + exitedByThemselves
                            + " exited by itself (see its log): restarted");
        }

        try {
            ClusterRuns.awaitTrue(
                    "job " + job + " restarted after kill " + (k + 1) + " and running again",
                    Duration.ofSeconds(120),
                    () ->
                            flink.rest().lastRestartMillis(job) >= killedAtMillis
                                    && flink.rest().allTasksRunning(job));
        } catch (AssertionError e) {
            System.err.println("[TaskManagerKillsITCase] job: " + flink.rest().get("/jobs/" + job));
            System.err.println("[TaskManagerKillsITCase] " + flink.rest().get("/taskmanagers"));
            System.err.println(
                    "[TaskManagerKillsITCase] "
                            + flink.rest().get("/jobs/" + job + "/metrics?get=numRestarts"));
            throw e;
        }
        double runningAgain = ClusterRuns.seconds(killedAt);
        // The checkpoint in flight at the kill cannot complete without the dead TaskManager's
        // acknowledgement: the next one to complete is the restarted job's first.
        ClusterRuns.awaitTrue(
                "a checkpoint completed after the restart of kill " + (k + 1),
                Duration.ofSeconds(120),
                () -> flink.rest().completedCheckpoints(job) > checkpoints);
        double checkpointed = ClusterRuns.seconds(killedAt);
        if (replace) {
            flink.awaitTaskManagers(TASK_MANAGERS, Duration.ofSeconds(120));
        }
        return new Recovery(
                k + 1, plan.window(k), victim, pid, exitedByThemselves, runningAgain, checkpointed);
    }

    private static List<String> aliveTaskManagers(LocalFlinkCluster flink) {
        return flink.alive().keySet().stream().filter(n -> n.startsWith("taskmanager-")).toList();
    }

    private static List<String> jobOptions(ReliabilityTopics topics, Path model, Path checkpoints) {
        List<String> options = topics.jobOptions(model);
        options.addAll(
                List.of(
                        // A TaskManager's loss takes longer to recover from than an exception in
                        // a task (16-29 s until every task ran again on the loaded 2-core
                        // machine): a source must not be declared idle meanwhile, or the others
                        // close windows without it (docs/reliability.md). The empty text topic
                        // holds windows back that long after each restart: room for them.
                        "watermarks.idleness=30s",
                        "align.max-pending-windows=512",
                        "job.checkpoint-interval=1s",
                        "job.restart-attempts=" + (KILLS * 5 + 10),
                        "job.restart-delay=1s",
                        "job.checkpoint-dir=" + checkpoints.toUri()));
        return options;
    }

    /** Blocks the ingest thread until {@code done}; fails it after five minutes. */
    private static void hold(BooleanSupplier done) {
        try {
            if (!ReliabilityStreams.await(done, TimeUnit.MINUTES.toNanos(5))) {
                throw new IllegalStateException("ingest held for five minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Where the kills happen: after which window of ingest (distinct, between 10 % and 90 % of the
     * input, in order), how long after it (0-1.5 s, so at any point of the 1 s checkpoint cycle),
     * and which of the busy TaskManagers, all from one seed.
     */
    record KillPlan(int[] windows, long[] delaysMs, long seed) {
        static KillPlan seeded(long seed, int kills, int totalWindows) {
            int from = totalWindows / 10;
            int span = totalWindows * 8 / 10;
            if (kills < 1 || kills > span) {
                throw new IllegalArgumentException(
                        kills + " kills do not fit " + totalWindows + " windows");
            }
            Random random = new Random(seed);
            int[] windows =
                    random.ints(from, from + span).distinct().limit(kills).sorted().toArray();
            long[] delays = random.longs(kills, 0, 1_500).toArray();
            return new KillPlan(windows, delays, seed);
        }

        int kills() {
            return windows.length;
        }

        int window(int k) {
            return windows[k];
        }

        long delayMs(int k) {
            return delaysMs[k];
        }

        /** Kill k's index among {@code n} candidates. */
        int pick(int k, int n) {
            return new Random(seed * 31 + k).nextInt(n);
        }

        /** The kill that happens after window {@code w}, or -1. */
        int killAt(int w) {
            for (int k = 0; k < windows.length; k++) {
                if (windows[k] == w) {
                    return k;
                }
            }
            return -1;
        }
    }

    /** One kill and the job's recovery from it. */
    record Recovery(
            int kill,
            int afterWindow,
            String taskManager,
            long pid,
            List<String> exitedByThemselves,
            double runningAgainSeconds,
            double checkpointedSeconds) {
        @Override
        public String toString() {
            return String.format(
                    "kill %d after window %d: %s (pid %d)%s, all tasks running again %.1f s,"
                            + " first checkpoint of the restarted job %.1f s",
                    kill,
                    afterWindow,
                    taskManager,
                    pid,
                    exitedByThemselves.isEmpty()
                            ? ""
                            : " (" + exitedByThemselves + " exited by itself, restarted)",
                    runningAgainSeconds,
                    checkpointedSeconds);
        }
    }
}
