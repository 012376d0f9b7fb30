package io.avfuse.connectors.broker;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;

/** Bounded polls of what the cluster reports, for {@link KafkaBroker}'s readiness checks. */
final class ClusterProbe {
    private static final long POLL_MILLIS = 100;

    private ClusterProbe() {}

    /**
     * Polls the cluster view of the running nodes until {@code done} accepts the set of live broker
     * ids, failing fast when one of {@code mustRun} exits.
     */
    static void awaitBrokers(
            String what,
            Predicate<Set<Integer>> done,
            Collection<BrokerNode> mustRun,
            Properties security,
            Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        Properties props = new Properties();
        props.putAll(security);
        props.setProperty(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                mustRun.stream()
                        .map(n -> KafkaBroker.LOOPBACK + ":" + n.brokerPort())
                        .collect(Collectors.joining(",")));
        props.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        props.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        props.setProperty(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "250");
        props.setProperty(AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "250");
        Set<Integer> seen = null;
        Exception lastError = null;
        Admin admin = null;
        try {
            while (true) {
                for (BrokerNode node : mustRun) {
                    if (!node.isRunning()) {
                        throw new KafkaBrokerException(
                                node.describeExit()
                                        + " while waiting for "
                                        + what
                                        + "\n"
                                        + node.logTail());
                    }
                }
                // An admin client started before the listeners exist logs a warning per retry.
                if (admin == null && mustRun.stream().allMatch(BrokerNode::acceptsConnections)) {
                    admin = Admin.create(props);
                }
                if (admin != null) {
                    try {
                        seen =
                                admin
                                        .describeCluster(
                                                new DescribeClusterOptions().timeoutMs(2000))
                                        .nodes()
                                        .get(3, TimeUnit.SECONDS)
                                        .stream()
                                        .map(Node::id)
                                        .collect(Collectors.toCollection(TreeSet::new));
                        if (done.test(seen)) {
                            return;
                        }
                    } catch (ExecutionException | TimeoutException e) {
                        lastError = e;
                    }
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new KafkaBrokerException(
                            "timed out after "
                                    + timeout.toSeconds()
                                    + " s waiting for "
                                    + what
                                    + " (live brokers seen: "
                                    + (seen == null ? "none" : seen)
                                    + (lastError == null ? "" : ", last error: " + lastError)
                                    + ")\n"
                                    + mustRun.stream()
                                            .map(BrokerNode::logTail)
                                            .collect(Collectors.joining("\n")));
                }
                Thread.sleep(POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaBrokerException("interrupted while waiting for " + what, e);
        } finally {
            if (admin != null) {
                admin.close(KafkaBroker.ADMIN_CLOSE_TIMEOUT);
            }
        }
    }

    /** Polls until every partition of {@code topics} has a leader. */
    static void awaitLeaders(Admin admin, List<String> topics, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            try {
                Map<String, TopicDescription> descriptions =
                        admin.describeTopics(topics)
                                .allTopicNames()
                                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                boolean allLed =
                        descriptions.values().stream()
                                .flatMap(d -> d.partitions().stream())
                                .map(TopicPartitionInfo::leader)
                                .allMatch(leader -> leader != null && !leader.isEmpty());
                if (allLed) {
                    return;
                }
            } catch (ExecutionException e) {
                // Right after creation the answering broker may not know the topic yet.
                if (Instant.now().isAfter(deadline)) {
                    throw e;
                }
            }
            if (Instant.now().isAfter(deadline)) {
                throw new TimeoutException("partitions of " + topics + " have no leader");
            }
            Thread.sleep(POLL_MILLIS);
        }
    }
}
