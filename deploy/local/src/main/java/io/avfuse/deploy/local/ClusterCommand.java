package io.avfuse.deploy.local;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The command line behind {@code deploy/local/cluster.sh}: start, submit to, inspect and stop a
 * {@link LocalFlinkCluster} kept in a run directory. JDK only, so that it runs before anything else
 * is on the classpath.
 *
 * <p>{@code java -cp deploy/local/target/classes io.avfuse.deploy.local.ClusterCommand start
 * --run-dir run --lib deploy/local/target/lib}
 */
public final class ClusterCommand {
    static final String USAGE =
            String.join(
                    "\n",
                    "Usage: ClusterCommand COMMAND --run-dir DIR [options]",
                    "  start --lib DIR [--cache-dir DIR] [--task-managers N] [--slots N]",
                    "        [--jm-memory SIZE] [--tm-memory SIZE] [-D key=value]...",
                    "        start a JobManager and N TaskManagers (default 2, 2 slots each) and",
                    "        wait until every TaskManager is registered",
                    "  submit --jar JAR --class MAIN [--parallelism P] [--no-wait] [-- ARGS...]",
                    "        upload the jar through the REST API, run MAIN, wait until every task"
                            + " runs",
                    "  status                 processes, registered TaskManagers, jobs",
                    "  kill-taskmanager N     kill -9 TaskManager N (a crash, for recovery tests)",
                    "  stop                   stop the processes recorded in the run directory");

    private ClusterCommand() {}

    public static void main(String[] args) {
        try {
            System.exit(run(args));
        } catch (IllegalArgumentException e) {
            System.err.println("cluster: " + e.getMessage() + "\n" + USAGE);
            System.exit(2);
        } catch (IOException | RuntimeException e) {
            System.err.println("cluster: " + e.getMessage());
            System.exit(1);
        }
    }

    static int run(String[] argv) throws IOException {
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h")) {
            System.out.println(USAGE);
            return argv.length == 0 ? 2 : 0;
        }
        String command = argv[0];
        Args a = new Args(List.of(argv).subList(1, argv.length));
        Path runDir = Path.of(a.required("--run-dir"));
        switch (command) {
            case "start" -> {
                return start(a, runDir);
            }
            case "submit" -> {
                return submit(a, runDir);
            }
            case "status" -> {
                return status(runDir);
            }
            case "kill-taskmanager" -> {
                int index = Integer.parseInt(a.positional(0, "N"));
                LocalFlinkCluster cluster = LocalFlinkCluster.attach(runDir);
                String name = "taskmanager-" + index;
                long pid =
                        cluster.pid(name)
                                .orElseThrow(
                                        () -> new IllegalArgumentException(name + " not running"));
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                System.out.printf("killed %s (pid %d) with SIGKILL%n", name, pid);
                return 0;
            }
            case "stop" -> {
                LocalFlinkCluster cluster = LocalFlinkCluster.attach(runDir);
                Map<String, Long> alive = cluster.alive();
                cluster.close();
                alive.forEach((name, pid) -> System.out.printf("stopped %s (pid %d)%n", name, pid));
                if (alive.isEmpty()) {
                    System.out.println("no Flink process of " + runDir + " was running");
                }
                return 0;
            }
            default -> throw new IllegalArgumentException("unknown command '" + command + "'");
        }
    }

    private static int start(Args a, Path runDir) throws IOException {
        LocalFlinkCluster.Builder b =
                LocalFlinkCluster.builder(runDir, Path.of(a.required("--lib")))
                        .taskManagers(Integer.parseInt(a.get("--task-managers", "2")))
                        .slotsPerTaskManager(Integer.parseInt(a.get("--slots", "2")))
                        .jobManagerMemory(a.get("--jm-memory", "768m"))
                        .taskManagerMemory(a.get("--tm-memory", "1200m"))
                        .avfuseDefaults(Path.of(a.get("--cache-dir", ".cache")));
        for (String kv : a.all("-D")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("-D wants key=value, got '" + kv + "'");
            }
            b.config(kv.substring(0, eq), kv.substring(eq + 1));
        }
        long t0 = System.nanoTime();
        LocalFlinkCluster cluster = b.build().start();
        System.out.printf(
                "Flink ready in %.1f s: web UI and REST at %s%n",
                (System.nanoTime() - t0) / 1e9, cluster.rest().base());
        cluster.alive()
                .forEach(
                        (name, pid) ->
                                System.out.printf(
                                        "  %-14s pid %-8d log %s%n", name, pid, cluster.log(name)));
        return 0;
    }

    private static int submit(Args a, Path runDir) throws IOException {
        LocalFlinkCluster cluster = LocalFlinkCluster.attach(runDir);
        long t0 = System.nanoTime();
        String job =
                cluster.rest()
                        .submit(
                                Path.of(a.required("--jar")),
                                a.required("--class"),
                                a.rest(),
                                Integer.parseInt(a.get("--parallelism", "2")));
        System.out.printf("submitted job %s in %.1f s%n", job, (System.nanoTime() - t0) / 1e9);
        if (!a.flag("--no-wait")) {
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (!cluster.rest().allTasksRunning(job)) {
                String state = cluster.rest().jobState(job);
                if (state.equals("FAILED") || state.equals("CANCELED")) {
                    System.err.println("job " + job + " is " + state + "; see the JobManager log");
                    return 1;
                }
                if (System.nanoTime() > deadline) {
                    System.err.println("job " + job + " still " + state + " after 3 minutes");
                    return 1;
                }
                sleep();
            }
            System.out.printf(
                    "job %s RUNNING, every task deployed, %.1f s after submission%n",
                    job, (System.nanoTime() - t0) / 1e9);
        }
        return 0;
    }

    private static int status(Path runDir) throws IOException {
        LocalFlinkCluster cluster = LocalFlinkCluster.attach(runDir);
        Map<String, Long> alive = cluster.alive();
        if (alive.isEmpty()) {
            System.out.println("Flink: no process of " + runDir + " is running");
            return 3;
        }
        alive.forEach((name, pid) -> System.out.printf("  %-14s pid %d%n", name, pid));
        System.out.printf(
                "Flink REST %s: %s TaskManager(s) registered%n",
                cluster.rest().base(),
                cluster.rest().taskManagers().map(String::valueOf).orElse("(no answer)"));
        try {
            List<String> jobs = cluster.rest().jobs();
            if (jobs.isEmpty()) {
                System.out.println("  no jobs");
            }
            for (String line : jobs) {
                System.out.println("  job " + line);
            }
        } catch (IOException e) {
            System.out.println("  jobs: " + e.getMessage());
        }
        return 0;
    }

    private static void sleep() {
        try {
            TimeUnit.MILLISECONDS.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** {@code --key value} options, repeatable ones, flags, positionals and what follows --. */
    private static final class Args {
        private final List<String[]> options = new ArrayList<>();
        private final List<String> flags = new ArrayList<>();
        private final List<String> positionals = new ArrayList<>();
        private final List<String> rest = new ArrayList<>();

        Args(List<String> argv) {
            for (int i = 0; i < argv.size(); i++) {
                String arg = argv.get(i);
                if (arg.equals("--")) {
                    rest.addAll(argv.subList(i + 1, argv.size()));
                    return;
                }
                if (arg.equals("--no-wait")) {
                    flags.add(arg);
                } else if (arg.startsWith("-D") && arg.length() > 2) {
                    options.add(new String[] {"-D", arg.substring(2)});
                } else if (arg.startsWith("-")) {
                    if (i + 1 >= argv.size()) {
                        throw new IllegalArgumentException(arg + " needs a value");
                    }
                    options.add(new String[] {arg, argv.get(++i)});
                } else {
                    positionals.add(arg);
                }
            }
        }

        String get(String name, String fallback) {
            List<String> values = all(name);
            return values.isEmpty() ? fallback : values.get(values.size() - 1);
        }

        String required(String name) {
            String value = get(name, null);
            if (value == null) {
                throw new IllegalArgumentException(name + " is required");
            }
            return value;
        }

        List<String> all(String name) {
            return options.stream().filter(o -> o[0].equals(name)).map(o -> o[1]).toList();
        }

        boolean flag(String name) {
            return flags.contains(name);
        }

        String positional(int index, String label) {
            if (positionals.size() <= index) {
                throw new IllegalArgumentException(label + " is required");
            }
            return positionals.get(index);
        }

        List<String> rest() {
            return rest;
        }
    }
}
