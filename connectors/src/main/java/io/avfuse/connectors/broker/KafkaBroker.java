package io.avfuse.connectors.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apache Kafka cluster in KRaft mode for tests, demos and local runs: N combined
 * broker+controller nodes, each in its own child JVM, every listener on 127.0.0.1, ports picked at
 * start, logs in a temporary directory that {@link #close()} deletes.
 *
 * <p>Node {@code i} has broker id {@code i}, so the leader id that an {@link Admin} reports can be
 * passed straight to {@link #stopNode(int)}. The controller quorum is every node (static {@code
 * controller.quorum.voters}): a 3-node cluster survives the loss of any one node.
 *
 * <p>Children never outlive this JVM: {@link #close()} and a shutdown hook stop them, and each
 * child exits by itself when this JVM dies without running hooks (see {@link OrphanGuard}).
 *
 * <p>{@code try (KafkaBroker kafka = KafkaBroker.builder().nodes(3).build().start()) {
 * kafka.createTopics(1, (short) 3, "t"); ... }}
 */
public final class KafkaBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaBroker.class);

    static final String LOOPBACK = "127.0.0.1";

    /** The SCRAM user the launcher itself (readiness checks, topic creation) connects as. */
    public static final String ADMIN_USER = "avfuse-admin";

    private static final Pattern HEAP = Pattern.compile("\\d+[kKmMgG]?");
    private static final Duration FORMAT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration TOPIC_TIMEOUT = Duration.ofSeconds(30);
    static final Duration ADMIN_CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final int nodeCount;
    private final Path parentDir;
    private final Map<String, String> extraProperties;
    private final String heap;
    private final List<String> extraJvmOptions;
    private final String classpath;
    private final Duration startTimeout;
    private final Duration shutdownTimeout;
    private final boolean keepData;
    private final boolean saslSsl;
    private final Map<String, String> scramUsers;

    private final List<BrokerNode> nodes = new ArrayList<>();

    /** Every process launched, for the shutdown hook: it must not wait for this object's lock. */
    private final Queue<Process> children = new ConcurrentLinkedQueue<>();

    private volatile Path clusterDir;
    private ChildJvm jvm;
    private Thread shutdownHook;
    private volatile String bootstrapServers;
    private volatile TlsMaterial tls;
    private boolean started;
    private boolean closed;

    private KafkaBroker(Builder builder) {
        this.nodeCount = builder.nodes;
        this.parentDir = builder.dataDir;
        this.extraProperties = Map.copyOf(builder.brokerProperties);
        this.heap = builder.heap;
        this.extraJvmOptions = List.copyOf(builder.jvmOptions);
        this.classpath = builder.classpath;
        this.startTimeout = builder.startTimeout;
        this.keepData = builder.keepData;
        this.saslSsl = builder.saslSsl;
        Map<String, String> users = new LinkedHashMap<>();
        if (saslSsl) {
            users.put(ADMIN_USER, TlsMaterial.randomSecret());
        }
        users.putAll(builder.scramUsers);
        this.scramUsers = Map.copyOf(users);
        // A clean shutdown only matters for logs that outlive the cluster; a 3-node cluster's last
        // nodes wait out Kafka's own timeouts once the quorum is gone.
        this.shutdownTimeout =
                builder.shutdownTimeout != null
                        ? builder.shutdownTimeout
                        : Duration.ofSeconds(keepData ? 10 : 2);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Formats every node's storage, starts the nodes and returns once an admin client sees all of
     * them as live brokers.
     *
     * @throws KafkaBrokerException if a node exits or the cluster is not ready within the start
     *     timeout; everything started so far is stopped and deleted again
     */
    public synchronized KafkaBroker start() {
        if (closed || started) {
            throw new IllegalStateException(closed ? "closed" : "already started");
        }
        started = true;
        long startNanos = System.nanoTime();
        try {
            clusterDir =
                    Files.createTempDirectory(Files.createDirectories(parentDir), "avfuse-kafka-");
            shutdownHook = new Thread(this::stopChildrenOnExit, "avfuse-kafka-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);

            int[] ports = freeLoopbackPorts(2 * nodeCount);
            for (int i = 0; i < nodeCount; i++) {
                nodes.add(
                        new BrokerNode(
                                i,
                                clusterDir.resolve("node-" + i),
                                ports[2 * i],
                                ports[2 * i + 1]));
            }
            jvm = new ChildJvm(classpath, jvmOptions(), clusterDir.resolve("classpath.args"));
            NodeConfig.Sasl sasl = null;
            if (saslSsl) {
                long tlsNanos = System.nanoTime();
                tls = TlsMaterial.generate(clusterDir.resolve("tls"));
                LOG.info(
                        "throwaway CA and broker key store made in {} ms",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - tlsNanos));
                sasl = new NodeConfig.Sasl(tls, ADMIN_USER, scramUsers.get(ADMIN_USER));
            }
            String voters =
                    nodes.stream()
                            .map(n -> n.id() + "@" + LOOPBACK + ":" + n.controllerPort())
                            .collect(Collectors.joining(","));
            for (BrokerNode node : nodes) {
                node.writeConfig(
                        NodeConfig.properties(node, nodeCount, voters, sasl, extraProperties));
            }
            format(Uuid.randomUuid().toString());
            for (BrokerNode node : nodes) {
                node.start(jvm);
                children.add(node.process());
            }
            bootstrapServers =
                    nodes.stream()
                            .map(n -> LOOPBACK + ":" + n.brokerPort())
                            .collect(Collectors.joining(","));
            Set<Integer> all = ids(nodes);
            ClusterProbe.awaitBrokers(
                    "all " + nodeCount + " node(s) to serve as brokers",
                    seen -> seen.containsAll(all),
                    nodes,
                    adminSecurity(),
                    startTimeout);
        } catch (IOException e) {
            close();
            throw new KafkaBrokerException("cannot start Kafka: " + e, e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        LOG.info(
                "Kafka ready in {} ms: bootstrap.servers={} ({}{} KRaft node(s), data in {})",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos),
                bootstrapServers,
                saslSsl ? "SASL_SSL with SCRAM-SHA-512, " : "",
                nodeCount,
                clusterDir);
        return this;
    }

    /** {@code 127.0.0.1:port} of every node, comma-separated, in node order. */
    public String bootstrapServers() {
        String servers = bootstrapServers;
        if (servers == null) {
            throw new IllegalStateException("not started");
        }
        return servers;
    }

    /**
     * Client properties that reach this cluster: a fresh copy holding {@code bootstrap.servers}
     * and, on a {@link Builder#saslSsl() SASL_SSL} cluster, the built-in admin user's credentials.
     */
    public Properties adminProperties() {
        Properties props = adminSecurity();
        props.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return props;
    }

    /** Whether the broker listeners speak SASL_SSL (SCRAM-SHA-512) instead of PLAINTEXT. */
    public boolean isSaslSsl() {
        return saslSsl;
    }

    /**
     * What a client of this SASL_SSL cluster needs besides {@code bootstrap.servers}: {@code
     * security.protocol}, {@code sasl.mechanism}, {@code sasl.jaas.config} for {@code user} and
     * {@code password} (right or wrong: tests use this to fail on purpose), and the trust store
     * holding the cluster's throwaway CA.
     */
    public Properties clientSecurity(String user, String password) {
        TlsMaterial material = tls;
        if (!saslSsl || material == null) {
            throw new IllegalStateException("not a started SASL_SSL cluster");
        }
        return NodeConfig.clientSecurity(material, user, password);
    }

    /**
     * Writes {@code user}'s client settings ({@link #clientSecurity}) as a Java properties file
     * readable by the owner only: what {@code --kafka-config} and {@code kafka.config-file} take.
     */
    public Path writeClientConfig(String user, Path file) {
        String password = scramUsers.get(user);
        if (password == null) {
            throw new IllegalArgumentException("no SCRAM user " + user + " on this cluster");
        }
        Properties props = clientSecurity(user, password);
        try {
            Files.deleteIfExists(file);
            Files.createFile(
                    file,
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            try (var out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                props.store(
                        out, "Kafka client settings for SCRAM user " + user + " (" + this + ")");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return file;
    }

    /** The SCRAM users created at format time, name to password (the admin user included). */
    public Map<String, String> scramUsers() {
        return scramUsers;
    }

    private Properties adminSecurity() {
        return saslSsl
                ? NodeConfig.clientSecurity(tls, ADMIN_USER, scramUsers.get(ADMIN_USER))
                : new Properties();
    }

    public int nodeCount() {
        return nodeCount;
    }

    /** The directory holding one sub-directory (config, data, {@code kafka.log}) per node. */
    public synchronized Path dataDir() {
        requireStarted();
        return clusterDir;
    }

    /** Node {@code node}'s combined stdout and stderr. */
    public synchronized Path logFile(int node) {
        return node(node).logFile();
    }

    /** The pid of node {@code node}'s current process, or of its last one once stopped. */
    public synchronized long pid(int node) {
        return node(node).pid();
    }

    public synchronized boolean isNodeRunning(int node) {
        return node(node).isRunning();
    }

    /** Creates topics and waits until each partition has a leader. */
    public void createTopics(int partitions, short replication, String... names) {
        createTopics(partitions, replication, Map.of(), names);
    }

    /** Creates topics with the given topic configs and waits until each partition has a leader. */
    public void createTopics(
            int partitions, short replication, Map<String, String> configs, String... names) {
        List<NewTopic> topics =
                Arrays.stream(names)
                        .map(name -> new NewTopic(name, partitions, replication).configs(configs))
                        .toList();
        Admin admin = Admin.create(adminProperties());
        try {
            admin.createTopics(topics).all().get(TOPIC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            ClusterProbe.awaitLeaders(admin, List.of(names), TOPIC_TIMEOUT);
        } catch (ExecutionException e) {
            throw new KafkaBrokerException(
                    "cannot create topics " + List.of(names) + ": " + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaBrokerException(
                    "timed out after " + TOPIC_TIMEOUT + " creating topics " + List.of(names), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaBrokerException("interrupted creating topics " + List.of(names), e);
        } finally {
            admin.close(ADMIN_CLOSE_TIMEOUT);
        }
    }

    /**
     * Kills node {@code node} like a crash (SIGKILL, no controlled shutdown) and waits for its
     * process to end. The other nodes notice after {@code broker.session.timeout.ms} (9 s default).
     */
    public synchronized void stopNode(int node) {
        requireStarted();
        BrokerNode target = node(node);
        target.kill(KILL_TIMEOUT);
        LOG.info("Kafka node {} (pid {}) killed", node, target.pid());
    }

    /**
     * Starts a stopped node again with the same ports and data, and waits until the cluster serves
     * it as a broker again.
     */
    public synchronized void restartNode(int node) {
        requireStarted();
        BrokerNode target = node(node);
        if (target.isRunning()) {
            throw new IllegalStateException("node " + node + " is running; stop it first");
        }
        long startNanos = System.nanoTime();
        List<BrokerNode> others = nodes.stream().filter(BrokerNode::isRunning).toList();
        if (!others.isEmpty()) {
            // Until the controller fences the old incarnation, the node still looks alive, which
            // would make the readiness check below pass before the new process serves anything.
            ClusterProbe.awaitBrokers(
                    "the controller to fence the old node " + node,
                    seen -> !seen.contains(node),
                    others,
                    adminSecurity(),
                    startTimeout);
        }
        target.start(jvm);
        children.add(target.process());
        List<BrokerNode> running = nodes.stream().filter(BrokerNode::isRunning).toList();
        Set<Integer> expected = ids(running);
        expected.add(node);
        ClusterProbe.awaitBrokers(
                "node " + node + " to rejoin",
                seen -> seen.containsAll(expected),
                running,
                adminSecurity(),
                startTimeout);
        LOG.info(
                "Kafka node {} restarted in {} ms (pid {})",
                node,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos),
                target.pid());
    }

    /**
     * Stops every child process this broker started (SIGTERM, then SIGKILL after the shutdown
     * timeout) and deletes the data directory unless told to keep it. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        bootstrapServers = null;
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // The JVM is already exiting; the hook does the same work.
            }
        }
        stopChildren(shutdownTimeout);
        if (clusterDir != null && !keepData) {
            deleteRecursively(clusterDir);
        }
        LOG.info(
                "Kafka stopped{}",
                keepData && clusterDir != null ? ", data kept in " + clusterDir : "");
    }

    @Override
    public String toString() {
        return "KafkaBroker{nodes=" + nodeCount + ", bootstrap.servers=" + bootstrapServers + "}";
    }

    private void format(String clusterId) throws IOException {
        List<Process> formats = new ArrayList<>();
        List<String> scramArgs = new ArrayList<>();
        scramUsers.forEach(
                (user, password) -> {
                    scramArgs.add("--add-scram");
                    scramArgs.add(
                            NodeConfig.SCRAM_MECHANISM
                                    + "=[name="
                                    + user
                                    + ",password="
                                    + password
                                    + "]");
                });
        for (BrokerNode node : nodes) {
            Process format = node.startFormat(jvm, clusterId, scramArgs);
            children.add(format);
            formats.add(format);
        }
        Instant deadline = Instant.now().plus(FORMAT_TIMEOUT);
        for (int i = 0; i < formats.size(); i++) {
            Process format = formats.get(i);
            BrokerNode node = nodes.get(i);
            boolean done;
            try {
                done = format.waitFor(millisUntil(deadline), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaBrokerException("interrupted formatting node " + i, e);
            }
            if (!done) {
                throw new KafkaBrokerException(
                        "formatting node "
                                + i
                                + " took longer than "
                                + FORMAT_TIMEOUT
                                + "\n"
                                + node.logTail());
            }
            Files.deleteIfExists(node.formatArgFile());
            if (format.exitValue() != 0) {
                throw new KafkaBrokerException(
                        "formatting node "
                                + i
                                + " failed with exit code "
                                + format.exitValue()
                                + "\n"
                                + node.logTail());
            }
        }
    }

    private List<String> jvmOptions() throws IOException {
        Path log4j = clusterDir.resolve("log4j2-broker.xml");
        Files.writeString(log4j, NodeConfig.LOG4J, StandardCharsets.UTF_8);
        List<String> options = new ArrayList<>();
        options.add("-Xmx" + heap);
        options.add("-XX:+UseSerialGC");
        // C1 only: on a 2-core machine three starting JVMs fight over CPU for C2 compilations,
        // and a C1-only start of a 3-node cluster takes ~7.5 s instead of ~12.5 s. A node's work
        // is mostly I/O and copying, so the peak-throughput loss hardly shows in tests or demos.
        options.add("-XX:TieredStopAtLevel=1");
        options.add("-XX:-UsePerfData");
        options.add("-Djava.awt.headless=true");
        // Without this the child would pick up the log4j2-test.xml of the test classpath.
        options.add("-Dlog4j2.configurationFile=" + log4j.toUri());
        options.addAll(extraJvmOptions);
        return options;
    }

    private static int[] freeLoopbackPorts(int count) throws IOException {
        // All sockets stay open until every port is chosen, so no port is handed out twice.
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            InetAddress loopback = InetAddress.getByName(LOOPBACK);
            for (int i = 0; i < count; i++) {
                sockets.add(new ServerSocket(0, 1, loopback));
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }

    /**
     * Graceful stop of everything still alive: SIGTERM to all at once, SIGKILL after the timeout.
     */
    private void stopChildren(Duration gracePeriod) {
        for (Process child : children) {
            if (child.isAlive()) {
                child.destroy();
            }
        }
        Instant deadline = Instant.now().plus(gracePeriod);
        for (Process child : children) {
            try {
                if (!child.waitFor(millisUntil(deadline), TimeUnit.MILLISECONDS)) {
                    child.destroyForcibly();
                    if (!child.waitFor(KILL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                        LOG.warn("Kafka child pid {} did not exit after SIGKILL", child.pid());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                child.destroyForcibly();
            }
        }
    }

    private void stopChildrenOnExit() {
        // No logging framework here: it may already be shut down by its own hook.
        stopChildren(shutdownTimeout);
        Path dir = clusterDir;
        if (dir != null && !keepData) {
            deleteRecursively(dir);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(KafkaBroker::deleteQuietly);
        } catch (IOException | UncheckedIOException e) {
            System.err.println("[avfuse] could not delete " + dir + ": " + e);
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long millisUntil(Instant deadline) {
        return Math.max(0, Duration.between(Instant.now(), deadline).toMillis());
    }

    private static Set<Integer> ids(Collection<BrokerNode> nodes) {
        return nodes.stream().map(BrokerNode::id).collect(Collectors.toCollection(TreeSet::new));
    }

    private void requireStarted() {
        if (!started || closed) {
            throw new IllegalStateException(closed ? "closed" : "not started");
        }
    }

    private BrokerNode node(int node) {
        requireStarted();
        Objects.checkIndex(node, nodes.size());
        return nodes.get(node);
    }

    /** Settings of a {@link KafkaBroker}; every one has a test-friendly default. */
    public static final class Builder {
        private int nodes = 1;
        private Path dataDir = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
        private final Map<String, String> brokerProperties = new LinkedHashMap<>();
        private String heap = "512m";
        private final List<String> jvmOptions = new ArrayList<>();
        private String classpath = System.getProperty("java.class.path");
        private Duration startTimeout = Duration.ofSeconds(60);
        private Duration shutdownTimeout;
        private boolean keepData;
        private boolean saslSsl;
        private final Map<String, String> scramUsers = new LinkedHashMap<>();

        private Builder() {}

        /**
         * Broker listeners speak SASL_SSL with SCRAM-SHA-512 only (brokers among themselves too): a
         * throwaway CA and broker key store are generated at start, SCRAM users are created when
         * the storage is formatted. The controller listener stays PLAINTEXT on 127.0.0.1 (KRaft
         * controllers take no SCRAM). {@link KafkaBroker#clientSecurity} gives what clients need.
         */
        public Builder saslSsl() {
            this.saslSsl = true;
            return this;
        }

        /** A SCRAM-SHA-512 user to create at format time; implies {@link #saslSsl()}. */
        public Builder scramUser(String name, String password) {
            if (name == null || !name.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException(
                        "SCRAM user names take letters, digits, '.', '_' and '-', got " + name);
            }
            if (password == null || !password.matches("[A-Za-z0-9._-]{8,}")) {
                throw new IllegalArgumentException(
                        "SCRAM passwords here take 8 or more letters, digits, '.', '_' or '-'");
            }
            if (name.equals(ADMIN_USER)) {
                throw new IllegalArgumentException(ADMIN_USER + " is created by KafkaBroker");
            }
            scramUsers.put(name, password);
            this.saslSsl = true;
            return this;
        }

        /**
         * Number of combined broker+controller nodes, all of them voters. 1 or 3 make sense: an
         * even count tolerates no more failures than the next smaller odd one.
         */
        public Builder nodes(int nodes) {
            if (nodes < 1 || nodes > 9) {
                throw new IllegalArgumentException("nodes must be between 1 and 9, got " + nodes);
            }
            this.nodes = nodes;
            return this;
        }

        /** Parent of the cluster's temporary directory; default {@code java.io.tmpdir}. */
        public Builder dataDir(Path dataDir) {
            // Absolute: the nodes run in their own directories and get paths from this one.
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir").toAbsolutePath();
            return this;
        }

        /**
         * An extra {@code server.properties} entry for every node; it overrides the defaults. Keys
         * that define listeners, node ids, the quorum or log dirs are managed here and rejected.
         */
        public Builder brokerProperty(String key, String value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            if (NodeConfig.MANAGED_KEYS.contains(key)) {
                throw new IllegalArgumentException(
                        key + " is managed by KafkaBroker (loopback listeners, node ids, quorum)");
            }
            brokerProperties.put(key, value);
            return this;
        }

        public Builder brokerProperties(Map<String, String> properties) {
            properties.forEach(this::brokerProperty);
            return this;
        }

        /** Maximum heap of each node's JVM, as for {@code -Xmx}; default {@code 512m}. */
        public Builder heap(String heap) {
            if (heap == null || !HEAP.matcher(heap).matches()) {
                throw new IllegalArgumentException("heap must look like 512m or 1g, got " + heap);
            }
            this.heap = heap;
            return this;
        }

        /**
         * An extra option for each node's JVM. It comes after the defaults ({@code -XX:+UseSerialGC
         * -XX:TieredStopAtLevel=1}), so {@code -XX:TieredStopAtLevel=4} restores the full JIT;
         * another collector than Serial cannot be chosen.
         */
        public Builder jvmOption(String option) {
            jvmOptions.add(Objects.requireNonNull(option, "option"));
            return this;
        }

        /**
         * Classpath of the node JVMs; default this JVM's {@code java.class.path}. It must hold the
         * {@code kafka_2.13} jar with its dependencies and this class.
         */
        public Builder classpath(String classpath) {
            this.classpath = Objects.requireNonNull(classpath, "classpath");
            return this;
        }

        /** How long {@link #start()} and {@link #restartNode(int)} wait; default 60 s. */
        public Builder startTimeout(Duration startTimeout) {
            this.startTimeout = requirePositive(startTimeout, "startTimeout");
            return this;
        }

        /**
         * How long {@link #close()} lets nodes shut down cleanly before killing them; default 10 s
         * with {@link #keepData(boolean) kept data}, else 2 s.
         */
        public Builder shutdownTimeout(Duration shutdownTimeout) {
            this.shutdownTimeout = requirePositive(shutdownTimeout, "shutdownTimeout");
            return this;
        }

        /** Keep the cluster's directory after {@link #close()}, e.g. to read the node logs. */
        public Builder keepData(boolean keepData) {
            this.keepData = keepData;
            return this;
        }

        public KafkaBroker build() {
            return new KafkaBroker(this);
        }

        private static Duration requirePositive(Duration duration, String name) {
            if (duration == null || duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + duration);
            }
            return duration;
        }
    }
}
