package io.avfuse.jobs.deploy;

import io.avfuse.deploy.local.LocalFlinkCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What the ITCases on the local multi-process cluster share: the cluster as they start it (a
 * JobManager and two TaskManagers of two slots, attached to the test JVM, from deploy/local's
 * lib/), the job jar, job arguments, polling and the logs to show when a test fails.
 */
final class ClusterRuns {
    private ClusterRuns() {}

    static Path projectRoot() {
        return Path.of(System.getProperty("avfuse.project.root"));
    }

    /** The cluster of the ITCases, in {@code runDir}; not started. */
    static LocalFlinkCluster cluster(Path runDir) {
        Path root = projectRoot();
        return LocalFlinkCluster.builder(runDir, root.resolve("deploy/local/target/lib"))
                .taskManagers(2)
                .slotsPerTaskManager(2)
                .jobManagerMemory("768m")
                .taskManagerMemory("1200m")
                .avfuseDefaults(root.resolve(".cache"))
                .attached(true)
                .build();
    }

    /** {@code target/name}, emptied: a cluster's run directory that outlives the test. */
    static Path freshRunDir(String name) throws IOException {
        Path dir = Path.of(System.getProperty("avfuse.build.dir")).resolve(name);
        if (Files.exists(dir)) {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        return dir;
    }

    /** The shaded job jar that the shade plugin writes in 'package'. */
    static Path jobJar() {
        Path jar =
                Path.of(System.getProperty("avfuse.build.dir"))
                        .resolve("cluster/avfuse-flink-jobs-job.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(
                    "no " + jar + ": the shade plugin writes it in 'package'");
        }
        return jar;
    }

    /** {@code --set k=v} for every job option. */
    static List<String> setArgs(List<String> options) {
        List<String> args = new ArrayList<>();
        for (String s : options) {
            args.add("--set");
            args.add(s);
        }
        return args;
    }

    static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void awaitTrue(String what, Duration timeout, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (check.ok()) {
                    return;
                }
            } catch (Exception e) {
                last = e; // REST or Kafka not answering during the restart: try again
            }
            Thread.sleep(500);
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what, last);
    }

    /**
     * A thread dump of every live process of the cluster, {@code log/jstack-<name>.txt}: what a
     * stuck reader or fetcher was waiting on when the test gave up.
     */
    static void dumpThreads(LocalFlinkCluster flink) {
        Path jstack = Path.of(System.getProperty("java.home"), "bin", "jstack");
        flink.alive()
                .forEach(
                        (name, pid) -> {
                            Path out =
                                    flink.runDir()
                                            .resolve("log")
                                            .resolve("jstack-" + name + ".txt");
                            try {
                                new ProcessBuilder(jstack.toString(), "-l", String.valueOf(pid))
                                        .redirectOutput(out.toFile())
                                        .redirectErrorStream(true)
                                        .start()
                                        .waitFor(30, TimeUnit.SECONDS);
                            } catch (IOException e) {
                                System.err.println("jstack " + name + ": " + e);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        });
    }

    /**
     * The last warnings and errors of every process's log, and thread dumps, for a failed test's
     * report.
     */
    static void dumpLogs(LocalFlinkCluster flink) {
        dumpThreads(flink);
        for (String name : List.of("jobmanager", "taskmanager-0", "taskmanager-1")) {
            for (String ext : List.of(".log", ".out")) {
                Path log = flink.runDir().resolve("log").resolve(name + ext);
                try {
                    List<String> lines = Files.readAllLines(log);
                    List<String> interesting =
                            lines.stream()
                                    .filter(
                                            l ->
                                                    l.contains("ERROR")
                                                            || l.contains("Exception")
                                                            || l.contains("WARN")
                                                            || l.startsWith("\tat ")
                                                            || l.startsWith("Caused by"))
                                    .collect(Collectors.toList());
                    List<String> tail =
                            interesting.subList(
                                    Math.max(0, interesting.size() - 80), interesting.size());
                    System.err.println("==== " + log + " (last warnings and errors)");
                    tail.forEach(System.err::println);
                } catch (IOException e) {
                    System.err.println("==== " + log + ": " + e.getMessage());
                }
            }
        }
    }
}
