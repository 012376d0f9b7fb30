package io.avfuse.deploy.local;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A standalone Flink session cluster on this machine, one JVM per process, from the Maven jars in a
 * {@code lib/} directory (there is no Flink distribution for 2.x): a JobManager ({@code
 * StandaloneSessionClusterEntrypoint}) and N TaskManagers ({@code TaskManagerRunner}), every server
 * bound to 127.0.0.1 on ports picked at start.
 *
 * <p>Everything lives in a run directory: {@code conf/config.yaml}, {@code log/*.log}, {@code
 * checkpoints/}, and {@code cluster.properties} with the REST address and each process's pid, from
 * which {@link #attach(Path)} finds a cluster that another JVM started (the {@code cluster.sh}
 * script starts it in one JVM and stops it from another).
 *
 * <p>{@code try (LocalFlinkCluster flink = LocalFlinkCluster.builder(runDir, libDir).attached(true)
 * .build().start()) { String job = flink.rest().submit(jar, "Main", args, 2); ... }}
 */
public final class LocalFlinkCluster implements AutoCloseable {
    static final String LOOPBACK = "127.0.0.1";
    static final String STATE_FILE = "cluster.properties";

    /** Flink's {@code env.java.default-opts.all} (config.yaml of the 2.x distribution). */
    static final List<String> FLINK_JAVA_OPTS =
            List.of(
                    "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
                    "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
                    "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang=ALL-UNNAMED",
                    "--add-opens=java.base/java.net=ALL-UNNAMED",
                    "--add-opens=java.base/java.io=ALL-UNNAMED",
                    "--add-opens=java.base/java.nio=ALL-UNNAMED",
                    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                    "--add-opens=java.base/java.text=ALL-UNNAMED",
                    "--add-opens=java.base/java.time=ALL-UNNAMED",
                    "--add-opens=java.base/java.util=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    private static final String JOB_MANAGER_MAIN =
            "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    private static final String TASK_MANAGER_MAIN =
            "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
    private static final String BASH_JAVA_UTILS =
            "org.apache.flink.runtime.util.bash.BashJavaUtils";
    private static final String EXEC_RESULT = "BASH_JAVA_UTILS_EXEC_RESULT:";
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private static final String LOG4J =
            String.join(
                    "\n",
                    "monitorInterval = 0",
                    "rootLogger.level = INFO",
                    "rootLogger.appenderRef.file.ref = MainAppender",
                    "appender.main.name = MainAppender",
                    "appender.main.type = File",
                    "appender.main.append = true",
                    "appender.main.fileName = ${sys:log.file}",
                    "appender.main.layout.type = PatternLayout",
                    "appender.main.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
                    "logger.metricgroup.name = org.apache.flink.metrics.MetricGroup",
                    "logger.metricgroup.level = ERROR",
                    "logger.kafka.name = org.apache.kafka",
                    "logger.kafka.level = WARN",
                    "");

    private final Path runDir;
    private final Builder settings;
    private final Map<String, ProcessHandle> processes = new TreeMap<>();

    /** Kept so that the stdin pipes {@link ParentWatch} watches stay open. */
    private final List<Process> attachedChildren = new ArrayList<>();

    private FlinkRest rest;
    private Thread shutdownHook;
    private List<String> taskManagerLaunch;

    /** While {@link #start()} waits, any process that exits fails the start. */
    private volatile boolean startingUp;

    private LocalFlinkCluster(Path runDir, Builder settings) {
        this.runDir = runDir;
        this.settings = settings;
    }

    /**
     * @param runDir the cluster's directory (created; config, logs, checkpoints, pids)
     * @param libDir the cluster's classpath: every jar in it (Flink, log4j, DJL and the natives)
     */
    public static Builder builder(Path runDir, Path libDir) {
        return new Builder(runDir.toAbsolutePath(), libDir.toAbsolutePath());
    }

    /**
     * The cluster that {@link #start()} recorded in {@code runDir}, to inspect or stop it from
     * another JVM. Only processes still alive and still running from this run directory count.
     */
    public static LocalFlinkCluster attach(Path runDir) throws IOException {
        Path dir = runDir.toAbsolutePath();
        Properties state = new Properties();
        try (InputStream in = Files.newInputStream(dir.resolve(STATE_FILE))) {
            state.load(in);
        }
        LocalFlinkCluster cluster = new LocalFlinkCluster(dir, null);
        cluster.rest = new FlinkRest(URI.create(state.getProperty("rest.url")));
        for (String key : state.stringPropertyNames()) {
            if (key.endsWith(".pid")) {
                long pid = Long.parseLong(state.getProperty(key));
                String name = key.substring(0, key.length() - ".pid".length());
                ProcessHandle.of(pid)
                        .filter(h -> h.isAlive() && startedFrom(h, dir))
                        .ifPresent(h -> cluster.processes.put(name, h));
            }
        }
        return cluster;
    }

    /**
     * Writes the configuration, starts the JobManager and the TaskManagers and waits until the REST
     * API shows every TaskManager registered. On failure everything started is stopped.
     */
    public LocalFlinkCluster start() throws IOException {
        if (settings == null) {
            throw new IllegalStateException("attached to a running cluster; cannot start it");
        }
        long startNanos = System.nanoTime();
        try {
            for (String sub : List.of("conf", "log", "checkpoints", "tmp", "upload")) {
                Files.createDirectories(runDir.resolve(sub));
            }
            shutdownHook = new Thread(this::stopQuietly, "avfuse-flink-shutdown");
            if (settings.attached) {
                Runtime.getRuntime().addShutdownHook(shutdownHook);
            }
            int[] ports = freeLoopbackPorts(3);
            rest = new FlinkRest(URI.create("http://" + LOOPBACK + ":" + ports[0]));
            writeConfig(ports);
            Files.writeString(runDir.resolve("conf/log4j.properties"), LOG4J);

            List<String> jmParams = resourceParams("GET_JM_RESOURCE_PARAMS");
            List<String> tmParams = resourceParams("GET_TM_RESOURCE_PARAMS");
            List<String> jm = new ArrayList<>(jvmOptions(jmParams.get(0), "jobmanager"));
            jm.add(JOB_MANAGER_MAIN);
            jm.addAll(List.of("--configDir", conf().toString(), "--executionMode", "cluster"));
            jm.addAll(dynamicArgs(jmParams));
            launch("jobmanager", jm);

            taskManagerLaunch = new ArrayList<>(tmParams);
            for (int i = 0; i < settings.taskManagers; i++) {
                startTaskManager(i);
            }
            startingUp = true;
            awaitTaskManagers(settings.taskManagers, settings.startTimeout);
        } catch (IOException | RuntimeException e) {
            stopQuietly();
            throw e;
        }
        startingUp = false;
        System.err.printf(
                "[avfuse] Flink cluster ready in %d ms: %s, %d TaskManager(s)%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos),
                rest.base(),
                settings.taskManagers);
        return this;
    }

    /** Starts TaskManager {@code index} (again, after a kill); its resource id is {@code tm-i}. */
    public synchronized void startTaskManager(int index) throws IOException {
        if (taskManagerLaunch == null) {
            throw new IllegalStateException("only the launching JVM can start TaskManagers");
        }
        String name = "taskmanager-" + index;
        ProcessHandle old = processes.get(name);
        if (old != null && old.isAlive()) {
            throw new IllegalStateException(name + " is running");
        }
        List<String> tm = new ArrayList<>(jvmOptions(taskManagerLaunch.get(0), name));
        tm.add(TASK_MANAGER_MAIN);
        tm.addAll(List.of("--configDir", conf().toString()));
        tm.addAll(List.of("-D", "taskmanager.resource-id=tm-" + index));
        tm.addAll(dynamicArgs(taskManagerLaunch));
        launch(name, tm);
    }

    /** Waits until {@code GET /overview} shows {@code count} TaskManagers. */
    public void awaitTaskManagers(int count, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<Integer> registered = rest.taskManagers();
            if (registered.isPresent() && registered.get() == count) {
                return;
            }
            for (Map.Entry<String, ProcessHandle> p : processes.entrySet()) {
                boolean required = p.getKey().equals("jobmanager") || startingUp;
                if (required && !p.getValue().isAlive()) {
                    throw new IOException(
                            p.getKey()
                                    + " exited while waiting for "
                                    + count
                                    + " TaskManagers; see "
                                    + log(p.getKey())
                                    + " and its .out file");
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IOException(
                        "Flink: "
                                + registered
                                        .map(n -> n + " of " + count)
                                        .orElse("no REST answer, 0")
                                + " TaskManagers registered after "
                                + timeout
                                + "; see the logs in "
                                + runDir.resolve("log"));
            }
            sleep(200);
        }
    }

    /** The REST API of the JobManager. */
    public FlinkRest rest() {
        return rest;
    }

    public Path runDir() {
        return runDir;
    }

    /** The pid of a process ({@code jobmanager}, {@code taskmanager-0}, ...), if it is alive. */
    public synchronized Optional<Long> pid(String name) {
        return Optional.ofNullable(processes.get(name))
                .filter(ProcessHandle::isAlive)
                .map(ProcessHandle::pid);
    }

    /** Every process this cluster started that is still alive, by name. */
    public synchronized Map<String, Long> alive() {
        Map<String, Long> alive = new TreeMap<>();
        processes.forEach(
                (name, handle) -> {
                    if (handle.isAlive()) {
                        alive.put(name, handle.pid());
                    }
                });
        return alive;
    }

    public Path log(String name) {
        return runDir.resolve("log").resolve(name + ".log");
    }

    /** {@code kill -9} of one TaskManager, as a crash: no shutdown hook runs. Returns its pid. */
    public synchronized long killTaskManager(int index) {
        String name = "taskmanager-" + index;
        ProcessHandle handle = processes.get(name);
        if (handle == null || !handle.isAlive()) {
            throw new IllegalStateException(name + " is not running");
        }
        handle.destroyForcibly();
        try {
            handle.onExit().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(name + " (pid " + handle.pid() + ") did not die", e);
        }
        return handle.pid();
    }

    /**
     * Stops every process of this cluster (SIGTERM, SIGKILL after 10 s): only the pids it started
     * or recorded, never anything else. Idempotent.
     */
    @Override
    public void close() {
        if (shutdownHook != null && settings != null && settings.attached) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // already exiting: the hook does the same
            }
        }
        stopQuietly();
    }

    private synchronized void stopQuietly() {
        // TaskManagers first, so that they do not spend the grace period reconnecting.
        List<ProcessHandle> order = new ArrayList<>();
        processes.forEach(
                (name, h) -> {
                    if (!name.equals("jobmanager")) {
                        order.add(h);
                    }
                });
        Optional.ofNullable(processes.get("jobmanager")).ifPresent(order::add);
        for (ProcessHandle h : order) {
            if (h.isAlive()) {
                h.destroy();
            }
        }
        long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        for (ProcessHandle h : order) {
            try {
                h.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
        for (ProcessHandle h : order) {
            try {
                h.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                System.err.println("[avfuse] pid " + h.pid() + " did not exit after SIGKILL");
            }
        }
    }

    private Path conf() {
        return runDir.resolve("conf");
    }

    private void writeConfig(int[] ports) throws IOException {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("jobmanager.rpc.address", LOOPBACK);
        c.put("jobmanager.rpc.port", String.valueOf(ports[1]));
        c.put("jobmanager.bind-host", LOOPBACK);
        c.put("jobmanager.memory.process.size", settings.jobManagerMemory);
        c.put("taskmanager.bind-host", LOOPBACK);
        c.put("taskmanager.host", LOOPBACK);
        c.put("taskmanager.numberOfTaskSlots", String.valueOf(settings.slots));
        c.put("taskmanager.memory.process.size", settings.taskManagerMemory);
        // Nothing in avfuse uses managed memory (hashmap state, no batch operators): leave the
        // process's memory to the heap and to libtorch.
        c.put("taskmanager.memory.managed.size", "32m");
        c.put("taskmanager.memory.network.min", "32m");
        c.put("taskmanager.memory.network.max", "64m");
        // One slot per TaskManager first, so that losing a TaskManager hits a running task.
        c.put("taskmanager.load-balance.mode", "SLOTS");
        c.put("rest.address", LOOPBACK);
        c.put("rest.bind-address", LOOPBACK);
        c.put("rest.port", String.valueOf(ports[0]));
        c.put("blob.server.port", String.valueOf(ports[2]));
        c.put("web.upload.dir", runDir.resolve("upload").toString());
        c.put("io.tmp.dirs", runDir.resolve("tmp").toString());
        c.put("parallelism.default", String.valueOf(settings.taskManagers));
        c.put("execution.checkpointing.dir", runDir.resolve("checkpoints").toUri().toString());
        c.put("execution.checkpointing.storage", "filesystem");
        // A TaskManager that is gone is noticed within seconds, not the default 50 s.
        c.put("heartbeat.interval", "1000");
        c.put("heartbeat.timeout", "8000");
        // The natives load once per JVM, from lib/: a restarted job's new user-code classloader
        // must reach these classes through the parent, even if a job jar also bundles them.
        c.put(
                "classloader.parent-first-patterns.additional",
                "ai.djl.;ai.onnxruntime.;org.bytedeco.;com.github.luben.;org.xerial.snappy.;"
                        + "net.jpountz.");
        c.put("env.java.opts.all", String.join(" ", FLINK_JAVA_OPTS));
        c.putAll(settings.config);
        StringBuilder yaml =
                new StringBuilder("# Written by io.avfuse.deploy.local.LocalFlinkCluster\n");
        c.forEach((k, v) -> yaml.append(k).append(": ").append(yamlValue(v)).append('\n'));
        Files.writeString(conf().resolve("config.yaml"), yaml, StandardCharsets.UTF_8);
    }

    private static String yamlValue(String v) {
        return "'" + v.replace("'", "''") + "'";
    }

    /** The cluster classpath: every jar in lib/, plus this launcher for {@link ParentWatch}. */
    private String classpath() throws IOException {
        List<String> entries = new ArrayList<>();
        try (Stream<Path> jars = Files.list(settings.libDir)) {
            jars.filter(p -> p.toString().endsWith(".jar"))
                    .sorted()
                    .forEach(p -> entries.add(p.toString()));
        }
        if (entries.isEmpty()) {
            throw new IOException(
                    "no jars in "
                            + settings.libDir
                            + " (build it: ./mvnw -B -pl deploy/local -am package -DskipTests)");
        }
        if (settings.attached) {
            entries.add(ownLocation());
        }
        return String.join(File.pathSeparator, entries);
    }

    private static String ownLocation() {
        try {
            return Path.of(
                            LocalFlinkCluster.class
                                    .getProtectionDomain()
                                    .getCodeSource()
                                    .getLocation()
                                    .toURI())
                    .toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** JVM options of a cluster process: BashJavaUtils' memory flags first, then ours. */
    private List<String> jvmOptions(String memoryFlags, String name) throws IOException {
        List<String> options = new ArrayList<>();
        options.add(javaExecutable());
        options.addAll(Arrays.asList(memoryFlags.trim().split("\\s+")));
        options.addAll(FLINK_JAVA_OPTS);
        options.add("-XX:+UseSerialGC");
        options.add("-Djava.io.tmpdir=" + runDir.resolve("tmp"));
        options.add("-Dlog.file=" + log(name));
        options.add("-Dlog4j.configurationFile=" + conf().resolve("log4j.properties").toUri());
        options.addAll(settings.jvmOptions);
        options.add("-cp");
        options.add(classpath());
        if (settings.attached) {
            options.add(ParentWatch.class.getName());
        }
        return options;
    }

    /** BashJavaUtils' JVM memory flags (first element) and dynamic properties (the rest). */
    private List<String> resourceParams(String command) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaExecutable());
        cmd.add("-Xmx128m");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Dlog4j2.level=OFF");
        cmd.addAll(List.of("-cp", classpath(), BASH_JAVA_UTILS, command));
        cmd.addAll(List.of("--configDir", conf().toString()));
        Path out = runDir.resolve("log/bash-java-utils.out");
        Process p =
                new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.to(out.toFile()))
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException(
                        "BashJavaUtils " + command + " failed:\n" + Files.readString(out));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted", e);
        }
        List<String> results =
                Files.readAllLines(out).stream()
                        .filter(l -> l.startsWith(EXEC_RESULT))
                        .map(l -> l.substring(EXEC_RESULT.length()))
                        .collect(Collectors.toList());
        if (results.isEmpty()) {
            throw new IOException(
                    "BashJavaUtils " + command + " printed no result:\n" + Files.readString(out));
        }
        return results;
    }

    private static List<String> dynamicArgs(List<String> params) {
        List<String> args = new ArrayList<>();
        for (String line : params.subList(1, params.size())) {
            if (!line.isBlank()) {
                args.addAll(Arrays.asList(line.trim().split("\\s+")));
            }
        }
        return args;
    }

    private synchronized void launch(String name, List<String> command) throws IOException {
        ProcessBuilder pb =
                new ProcessBuilder(command)
                        .directory(runDir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(
                                ProcessBuilder.Redirect.appendTo(
                                        runDir.resolve("log/" + name + ".out").toFile()));
        if (!settings.attached) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        Map<String, String> env = pb.environment();
        env.putAll(settings.environment);
        Process process = pb.start();
        if (settings.attached) {
            attachedChildren.add(process);
        }
        processes.put(name, process.toHandle());
        saveState();
    }

    private void saveState() throws IOException {
        Properties state = new Properties();
        state.setProperty("rest.url", rest.base().toString());
        processes.forEach((name, h) -> state.setProperty(name + ".pid", String.valueOf(h.pid())));
        Path tmp = runDir.resolve(STATE_FILE + ".tmp");
        try (var out = Files.newOutputStream(tmp)) {
            state.store(out, "avfuse local Flink cluster");
        }
        Files.move(
                tmp,
                runDir.resolve(STATE_FILE),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Guards against pid reuse: the process must have been started with this run directory. */
    private static boolean startedFrom(ProcessHandle h, Path runDir) {
        // /proc rather than ProcessHandle.Info, which comes back empty for long command lines.
        try {
            String cmdline =
                    new String(
                            Files.readAllBytes(
                                    Path.of("/proc", String.valueOf(h.pid()), "cmdline")),
                            StandardCharsets.UTF_8);
            return cmdline.contains(runDir.toString());
        } catch (IOException e) {
            return h.info().arguments().stream()
                    .flatMap(Arrays::stream)
                    .anyMatch(a -> a.contains(runDir.toString()));
        }
    }

    private static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int[] freeLoopbackPorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            InetAddress loopback = InetAddress.getByName(LOOPBACK);
            for (int i = 0; i < count; i++) {
                sockets.add(new ServerSocket(0, 1, loopback));
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } finally {
            for (ServerSocket s : sockets) {
                s.close();
            }
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Settings of a {@link LocalFlinkCluster}; the defaults suit a 2-core laptop. */
    public static final class Builder {
        private final Path runDir;
        private final Path libDir;
        private int taskManagers = 2;
        private int slots = 2;
        private String jobManagerMemory = "768m";
        private String taskManagerMemory = "1200m";
        private final Map<String, String> config = new LinkedHashMap<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private final List<String> jvmOptions = new ArrayList<>();
        private boolean attached;
        private Duration startTimeout = Duration.ofSeconds(90);

        private Builder(Path runDir, Path libDir) {
            this.runDir = runDir;
            this.libDir = libDir;
        }

        public Builder taskManagers(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("taskManagers must be at least 1, got " + n);
            }
            this.taskManagers = n;
            return this;
        }

        public Builder slotsPerTaskManager(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("slots must be at least 1, got " + n);
            }
            this.slots = n;
            return this;
        }

        /** {@code jobmanager.memory.process.size}, default 768m. */
        public Builder jobManagerMemory(String size) {
            this.jobManagerMemory = Objects.requireNonNull(size);
            return this;
        }

        /** {@code taskmanager.memory.process.size}, default 1200m. */
        public Builder taskManagerMemory(String size) {
            this.taskManagerMemory = Objects.requireNonNull(size);
            return this;
        }

        /** A {@code config.yaml} entry; overrides the defaults. */
        public Builder config(String key, String value) {
            config.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
            return this;
        }

        /** An environment variable of every cluster process. */
        public Builder environment(String key, String value) {
            environment.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
            return this;
        }

        /** An extra JVM option of every cluster process, e.g. a system property. */
        public Builder jvmOption(String option) {
            jvmOptions.add(Objects.requireNonNull(option));
            return this;
        }

        /**
         * Attached: the processes end with this JVM (tests; a shutdown hook and {@link
         * ParentWatch}). Detached (default): they outlive it, as the script wants.
         */
        public Builder attached(boolean attached) {
            this.attached = attached;
            return this;
        }

        public Builder startTimeout(Duration timeout) {
            this.startTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /**
         * DJL offline, no tracking, project-owned caches, Avro's size limits: the settings every
         * avfuse JVM runs with ({@code cacheDir} holds {@code djl}, {@code djl-engines}, {@code
         * javacpp}).
         */
        public Builder avfuseDefaults(Path cacheDir) {
            Path cache = cacheDir.toAbsolutePath();
            environment("DJL_OFFLINE", "true");
            environment("OPT_OUT_TRACKING", "true");
            environment("DJL_CACHE_DIR", cache.resolve("djl").toString());
            environment("ENGINE_CACHE_DIR", cache.resolve("djl-engines").toString());
            jvmOption("-Dai.djl.offline=true");
            jvmOption("-Dorg.bytedeco.javacpp.cachedir=" + cache.resolve("javacpp"));
            jvmOption("-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.avfuse.schemas");
            jvmOption("-Dorg.apache.avro.limits.bytes.maxLength=16777216");
            jvmOption("-Dorg.apache.avro.limits.string.maxLength=4194304");
            jvmOption("-Dorg.apache.avro.limits.collectionItems.maxLength=1048576");
            return this;
        }

        public LocalFlinkCluster build() {
            return new LocalFlinkCluster(runDir, this);
        }
    }
}
