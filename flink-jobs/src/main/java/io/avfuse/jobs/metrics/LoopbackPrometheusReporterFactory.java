package io.avfuse.jobs.metrics;

import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.prometheus.HostBoundPrometheusReporter;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;
import org.apache.flink.util.PortRange;

/**
 * Flink's Prometheus reporter (same metric names and format) whose HTTP endpoint binds {@code host}
 * (default {@code 127.0.0.1}) instead of every interface, which Flink 2.2's {@code
 * PrometheusReporterFactory} cannot do. Options: {@code host}, {@code port} (a port or a range such
 * as {@code 9250-9260}, default 9249; the first free one is taken).
 *
 * <pre>{@code
 * metrics.reporter.prom.factory.class: io.avfuse.jobs.metrics.LoopbackPrometheusReporterFactory
 * metrics.reporter.prom.host: 127.0.0.1
 * metrics.reporter.prom.port: 9250-9260
 * }</pre>
 */
public class LoopbackPrometheusReporterFactory implements MetricReporterFactory {
    static final String ARG_HOST = "host";
    static final String ARG_PORT = "port";
    static final String DEFAULT_HOST = "127.0.0.1";
    static final String DEFAULT_PORT = "9249";

    /** The reporter's name in the configuration: {@code metrics.reporter.prom.*}. */
    public static final String NAME = "prom";

    /**
     * Adds this reporter as {@code metrics.reporter.prom} to {@code conf}, serving at {@code host}
     * and the first free port of {@code ports}.
     */
    public static Configuration configure(Configuration conf, String host, String ports) {
        String prefix = "metrics.reporter." + NAME + ".";
        conf.setString(prefix + "factory.class", LoopbackPrometheusReporterFactory.class.getName());
        conf.setString(prefix + ARG_HOST, host);
        conf.setString(prefix + ARG_PORT, ports);
        return conf;
    }

    @Override
    public MetricReporter createMetricReporter(Properties properties) {
        MetricConfig config = (MetricConfig) properties;
        return new HostBoundPrometheusReporter(
                config.getString(ARG_HOST, DEFAULT_HOST),
                new PortRange(config.getString(ARG_PORT, DEFAULT_PORT)));
    }
}
