package io.avfuse.connectors.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Real KRaft brokers in child JVMs: round trips, a leader crash without loss, clean shutdown. */
class KafkaBrokerITCase {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaBrokerITCase.class);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
    private static final String LOOPBACK_LIST = "127\\.0\\.0\\.1:\\d+(,127\\.0\\.0\\.1:\\d+)*";

    @RegisterExtension static KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();

    @Test
    void sharedSingleNodeRoundTripsRecordsOnLoopbackOnly(KafkaBroker broker) throws Exception {
        assertThat(broker).isSameAs(KAFKA.broker());
        assertThat(KAFKA.bootstrapServers()).matches(LOOPBACK_LIST);
        assertThat(broker.nodeCount()).isEqualTo(1);
        assertThat(liveBrokers(broker))
                .singleElement()
                .satisfies(node -> assertThat(node.host()).isEqualTo("127.0.0.1"));
        assertListensOnLoopbackOnly(broker);

        String topic = KAFKA.uniqueTopic("round-trip");
        assertThat(topic).isNotEqualTo(KAFKA.uniqueTopic("round-trip"));
        KAFKA.createTopics(1, (short) 1, topic);

        List<String> sent = values("r", 0, 100);
        produceAcked(broker, topic, sent);

        assertThat(consume(broker, topic, sent.size())).containsExactlyElementsOf(sent);
    }

    /**
     * Records carry event times; fixtures and replays are months old. With the default 7-day time
     * retention the broker's first retention pass deleted committed records of a benchmark.
     */
    @Test
    void timeRetentionIsOffSoOldEventTimesAreKept(KafkaBroker broker) throws Exception {
        try (Admin admin = Admin.create(broker.adminProperties())) {
            org.apache.kafka.common.config.ConfigResource node =
                    new org.apache.kafka.common.config.ConfigResource(
                            org.apache.kafka.common.config.ConfigResource.Type.BROKER, "0");
            var config =
                    admin.describeConfigs(List.of(node))
                            .all()
                            .get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                            .get(node);
            assertThat(config.get("log.retention.ms").value()).isEqualTo("-1");
        }
    }

    @Nested
    class ThreeNodeCluster {
        @RegisterExtension static KafkaBrokerExtension CLUSTER = KafkaBrokerExtension.dedicated(3);

        @Test
        void losesNoAckedRecordWhenTheLeaderIsKilled() throws Exception {
            KafkaBroker cluster = CLUSTER.broker();
            assertThat(cluster.nodeCount()).isEqualTo(3);
            assertThat(cluster.bootstrapServers()).matches(LOOPBACK_LIST);
            assertThat(liveBrokers(cluster)).hasSize(3);
            assertListensOnLoopbackOnly(cluster);

            String topic = CLUSTER.uniqueTopic("failover");
            CLUSTER.createTopics(1, (short) 3, Map.of("min.insync.replicas", "2"), topic);

            List<String> before = values("before", 0, 200);
            produceAcked(cluster, topic, before);

            int leader = leaderOf(cluster, topic).id();
            long leaderPid = cluster.pid(leader);
            long killedAt = System.nanoTime();
            cluster.stopNode(leader);
            assertThat(cluster.isNodeRunning(leader)).isFalse();
            assertThat(ProcessHandle.of(leaderPid).filter(ProcessHandle::isAlive)).isEmpty();

            List<String> after = values("after", 200, 400);
            produceAcked(cluster, topic, after);
            LOG.info(
                    "200 records acked {} ms after killing leader {}",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt),
                    leader);
            assertThat(leaderOf(cluster, topic).id()).isNotEqualTo(leader);

            List<String> all = new ArrayList<>(before);
            all.addAll(after);
            assertThat(consume(cluster, topic, all.size())).containsExactlyElementsOf(all);

            cluster.restartNode(leader);
            assertThat(cluster.isNodeRunning(leader)).isTrue();
            assertThat(cluster.pid(leader)).isNotEqualTo(leaderPid);
            assertThat(liveBrokers(cluster)).extracting(Node::id).contains(leader);
            awaitFullIsr(cluster, topic, 3);
        }
    }

    @Test
    void closeLeavesNoChildProcessAndNoData() throws Exception {
        Path parent = Path.of(System.getProperty("java.io.tmpdir"));
        KafkaBroker broker = KafkaBroker.builder().dataDir(parent).build().start();
        Path dataDir;
        List<ProcessHandle> nodes;
        try {
            dataDir = broker.dataDir();
            assertThat(dataDir).startsWith(parent).isDirectory();
            assertThat(broker.logFile(0)).isRegularFile();
            nodes =
                    IntStream.range(0, broker.nodeCount())
                            .mapToObj(i -> ProcessHandle.of(broker.pid(i)).orElseThrow())
                            .toList();
            assertThat(nodes).allMatch(ProcessHandle::isAlive);
            Set<Long> children =
                    ProcessHandle.current()
                            .children()
                            .map(ProcessHandle::pid)
                            .collect(Collectors.toSet());
            assertThat(children).containsAll(nodes.stream().map(ProcessHandle::pid).toList());
        } finally {
            broker.close();
        }

        assertThat(nodes).noneMatch(ProcessHandle::isAlive);
        assertThat(ProcessHandle.current().descendants().map(ProcessHandle::pid))
                .doesNotContainAnyElementsOf(nodes.stream().map(ProcessHandle::pid).toList());
        assertThat(dataDir).doesNotExist();
        assertThatThrownBy(broker::bootstrapServers).isInstanceOf(IllegalStateException.class);
        broker.close(); // idempotent
    }

    private static List<String> values(String prefix, int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> prefix + "-" + i).toList();
    }

    /** Sends every value with acks=all and waits for each acknowledgement. */
    private static void produceAcked(KafkaBroker broker, String topic, List<String> values)
            throws Exception {
        Properties props = broker.adminProperties();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        // One request in flight: an early NOT_LEADER retry on a fresh topic otherwise turns into
        // OUT_OF_ORDER_SEQUENCE_NUMBER; the bounded delivery timeout still outlasts a failover.
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "45000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        KafkaProducer<String, String> producer =
                new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
        try {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            for (String value : values) {
                acks.add(producer.send(new ProducerRecord<>(topic, value, value)));
            }
            for (Future<RecordMetadata> ack : acks) {
                ack.get(60, TimeUnit.SECONDS);
            }
        } finally {
            producer.close(CLOSE_TIMEOUT);
        }
    }

    /** Reads partition 0 from the start until {@code expected} values arrived (or 60 s passed). */
    private static List<String> consume(KafkaBroker broker, String topic, int expected) {
        Properties props = broker.adminProperties();
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<String> received = new ArrayList<>();
        KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
        try {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            Instant deadline = Instant.now().plusSeconds(60);
            while (received.size() < expected && Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<String, String> record :
                        consumer.poll(Duration.ofMillis(500))) {
                    assertThat(record.key()).isEqualTo(record.value());
                    received.add(record.value());
                }
            }
            // Anything beyond the expected count would be a duplicate: give it a moment to show.
            consumer.poll(Duration.ofMillis(500)).forEach(r -> received.add(r.value()));
        } finally {
            consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
        }
        return received;
    }

    private static List<Node> liveBrokers(KafkaBroker broker) throws Exception {
        Admin admin = Admin.create(broker.adminProperties());
        try {
            return List.copyOf(
                    admin.describeCluster()
                            .nodes()
                            .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        } finally {
            admin.close(CLOSE_TIMEOUT);
        }
    }

    private static TopicPartitionInfo partition0(KafkaBroker broker, String topic)
            throws Exception {
        Admin admin = Admin.create(broker.adminProperties());
        try {
            TopicDescription description =
                    admin.describeTopics(List.of(topic))
                            .allTopicNames()
                            .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                            .get(topic);
            return description.partitions().get(0);
        } finally {
            admin.close(CLOSE_TIMEOUT);
        }
    }

    private static Node leaderOf(KafkaBroker broker, String topic) throws Exception {
        Node leader = partition0(broker, topic).leader();
        assertThat(leader).isNotNull();
        return leader;
    }

    /** Waits until the restarted replica has caught up, i.e. is back in the ISR. */
    private static void awaitFullIsr(KafkaBroker broker, String topic, int replicas)
            throws Exception {
        Instant deadline = Instant.now().plus(CALL_TIMEOUT);
        List<Node> isr = partition0(broker, topic).isr();
        while (isr.size() < replicas && Instant.now().isBefore(deadline)) {
            Thread.sleep(200);
            isr = partition0(broker, topic).isr();
        }
        assertThat(isr).as("in-sync replicas of %s", topic).hasSize(replicas);
    }

    /**
     * Every socket the nodes listen on (broker and controller listeners) is bound to 127.0.0.1,
     * read from the kernel's socket tables rather than probed from another address.
     */
    private static void assertListensOnLoopbackOnly(KafkaBroker broker) throws IOException {
        Path tcp4 = Path.of("/proc/net/tcp");
        Path tcp6 = Path.of("/proc/net/tcp6");
        assumeTrue(Files.isReadable(tcp4), "needs Linux /proc");
        List<String[]> rows = new ArrayList<>();
        for (Path table : List.of(tcp4, tcp6)) {
            if (Files.isReadable(table)) {
                Files.readAllLines(table).stream()
                        .map(line -> line.trim().split("\\s+"))
                        .filter(f -> f.length > 9 && f[3].equals("0A")) // TCP_LISTEN
                        .forEach(rows::add);
            }
        }
        for (int i = 0; i < broker.nodeCount(); i++) {
            Set<String> inodes = socketInodes(broker.pid(i));
            List<String> listening =
                    rows.stream().filter(f -> inodes.contains(f[9])).map(f -> f[1]).toList();
            assertThat(listening)
                    .as("listening sockets of node %d", i)
                    .hasSizeGreaterThanOrEqualTo(2);
            assertThat(listening)
                    .as("listening sockets of node %d", i)
                    .allMatch(
                            address ->
                                    address.startsWith("0100007F:") // 127.0.0.1
                                            || address.startsWith(
                                                    "0000000000000000FFFF00000100007F:"));
        }
    }

    private static Set<String> socketInodes(long pid) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
            return fds.map(KafkaBrokerITCase::linkTarget)
                    .filter(target -> target.startsWith("socket:["))
                    .map(target -> target.substring("socket:[".length(), target.length() - 1))
                    .collect(Collectors.toSet());
        }
    }

    private static String linkTarget(Path fd) {
        try {
            return Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
            return ""; // closed while listing
        }
    }
}
