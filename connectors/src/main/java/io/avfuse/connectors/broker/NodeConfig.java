package io.avfuse.connectors.broker;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** What each node's {@code server.properties} and logging configuration hold. */
final class NodeConfig {
    /** Keys that define the cluster's shape and its loopback-only binding; never overridable. */
    static final Set<String> MANAGED_KEYS =
            Set.of(
                    "process.roles",
                    "node.id",
                    "controller.quorum.voters",
                    "controller.quorum.bootstrap.servers",
                    "listeners",
                    "advertised.listeners",
                    "listener.security.protocol.map",
                    "controller.listener.names",
                    "inter.broker.listener.name",
                    "log.dirs",
                    "log.dir");

    /**
     * Log4j 2 configuration of the node JVMs: INFO to stdout, which goes to the node's log file.
     * Passed as {@code log4j2.configurationFile} so a test classpath's own config does not apply.
     */
    static final String LOG4J =
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <Configuration status="WARN">
              <Appenders>
                <Console name="out" target="SYSTEM_OUT">
                  <PatternLayout pattern="[%d{ISO8601}] %p %m (%c)%n"/>
                </Console>
              </Appenders>
              <Loggers>
                <Logger name="kafka.request.logger" level="WARN"/>
                <Logger name="state.change.logger" level="WARN"/>
                <Logger name="org.apache.kafka.common.config.AbstractConfig" level="WARN"/>
                <Logger name="org.apache.kafka.common.utils.AppInfoParser" level="WARN"/>
                <Root level="INFO">
                  <AppenderRef ref="out"/>
                </Root>
              </Loggers>
            </Configuration>
            """;

    private NodeConfig() {}

    /** The {@code server.properties} of {@code node}; {@code extra} overrides the defaults. */
    static Map<String, String> properties(
            BrokerNode node, int nodeCount, String voters, Map<String, String> extra) {
        String replication = String.valueOf(Math.min(nodeCount, 3));
        String minIsr = String.valueOf(Math.min(nodeCount, 2));
        String listeners =
                "PLAINTEXT://"
                        + KafkaBroker.LOOPBACK
                        + ":"
                        + node.brokerPort()
                        + ",CONTROLLER://"
                        + KafkaBroker.LOOPBACK
                        + ":"
                        + node.controllerPort();
        Map<String, String> props = new LinkedHashMap<>();
        props.put("process.roles", "broker,controller");
        props.put("node.id", String.valueOf(node.id()));
        props.put("controller.quorum.voters", voters);
        props.put("listeners", listeners);
        props.put("advertised.listeners", listeners);
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("log.dirs", node.dataDir().toString());

        props.put("num.partitions", "1");
        props.put("default.replication.factor", replication);
        props.put("auto.create.topics.enable", "false");
        // Records carry their event time (CreateTime). Replays, benchmarks and test fixtures stamp
        // dates older than the default 7-day retention, and the broker's first retention pass
        // (30 s after start) deleted such records minutes after they were committed.
        props.put("log.retention.ms", "-1");
        // Size still bounds a long-running broker (bin/avfuse broker, demo --loop) per partition.
        props.put("log.retention.bytes", Long.toString(1L << 30));
        props.put("group.initial.rebalance.delay.ms", "0");
        // One partition each: creating 50 replicated partitions on the first group or transaction
        // costs seconds in a test and buys nothing on one machine.
        props.put("offsets.topic.num.partitions", "1");
        props.put("offsets.topic.replication.factor", replication);
        props.put("transaction.state.log.num.partitions", "1");
        props.put("transaction.state.log.replication.factor", replication);
        props.put("transaction.state.log.min.isr", minIsr);
        props.put("share.coordinator.state.topic.replication.factor", replication);
        props.put("share.coordinator.state.topic.min.isr", minIsr);
        props.putAll(extra);
        return props;
    }
}
