package io.avfuse.connectors.broker;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
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

    static final String SCRAM_MECHANISM = "SCRAM-SHA-512";

    /** The SASL_SSL settings of a secured cluster: TLS stores and the inter-broker user. */
    record Sasl(TlsMaterial tls, String interBrokerUser, String interBrokerPassword) {}

    private NodeConfig() {}

    /** Client-side {@code security.protocol}, SASL and trust settings for {@code user}. */
    static Properties clientSecurity(TlsMaterial tls, String user, String password) {
        Properties props = new Properties();
        props.setProperty("security.protocol", "SASL_SSL");
        props.setProperty("sasl.mechanism", SCRAM_MECHANISM);
        props.setProperty("sasl.jaas.config", jaas(user, password));
        props.setProperty("ssl.truststore.type", "PKCS12");
        props.setProperty("ssl.truststore.location", tls.truststore().toString());
        props.setProperty("ssl.truststore.password", tls.truststorePassword());
        return props;
    }

    static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                + user
                + "\" password=\""
                + password
                + "\";";
    }

    /**
     * The {@code server.properties} of {@code node}; {@code sasl} (null: PLAINTEXT) secures the
     * broker listener, {@code extra} overrides the defaults.
     */
    static Map<String, String> properties(
            BrokerNode node, int nodeCount, String voters, Sasl sasl, Map<String, String> extra) {
        String replication = String.valueOf(Math.min(nodeCount, 3));
        String minIsr = String.valueOf(Math.min(nodeCount, 2));
        String brokerListener = sasl == null ? "PLAINTEXT" : "SASL_SSL";
        String listeners =
                brokerListener
                        + "://"
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
        props.put(
                "listener.security.protocol.map",
                brokerListener + ":" + brokerListener + ",CONTROLLER:PLAINTEXT");
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", brokerListener);
        if (sasl != null) {
            props.put("sasl.enabled.mechanisms", SCRAM_MECHANISM);
            props.put("sasl.mechanism.inter.broker.protocol", SCRAM_MECHANISM);
            props.put(
                    "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
                    jaas(sasl.interBrokerUser(), sasl.interBrokerPassword()));
            props.put("ssl.keystore.type", "PKCS12");
            props.put("ssl.keystore.location", sasl.tls().keystore().toString());
            props.put("ssl.keystore.password", sasl.tls().keystorePassword());
            props.put("ssl.truststore.type", "PKCS12");
            props.put("ssl.truststore.location", sasl.tls().truststore().toString());
            props.put("ssl.truststore.password", sasl.tls().truststorePassword());
            props.put("ssl.client.auth", "none");
        }
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
