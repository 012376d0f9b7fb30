package io.avfuse.jobs.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.avfuse.jobs.job.AlignJob;
import io.avfuse.jobs.job.JobConfig;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * The loopback reporter serves Flink's Prometheus format on 127.0.0.1 only, and {@code
 * metrics.prometheus.port} puts it on a local job's MiniCluster.
 */
class LoopbackPrometheusReporterITCase {
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void servesOnLoopbackOnlyAndReleasesThePortOnClose() throws Exception {
        int port = PrometheusProcess.freePort();
        MetricConfig config = new MetricConfig();
        config.setProperty("port", Integer.toString(port));
        MetricReporter reporter =
                new LoopbackPrometheusReporterFactory().createMetricReporter(config);
        try {
            assertThat(scrape(port).statusCode()).isEqualTo(200);
            // Still loopback, but another address: a server on the wildcard address (Flink's own
            // reporter) accepts this connection, one bound to 127.0.0.1 refuses it.
            assertThatThrownBy(() -> connect(InetAddress.getByName("127.0.0.2"), port))
                    .isInstanceOf(ConnectException.class);
        } finally {
            reporter.close();
        }
        assertThatThrownBy(() -> connect(InetAddress.getByName("127.0.0.1"), port))
                .isInstanceOf(ConnectException.class);
    }

    @Test
    void aLocalJobWithAPrometheusPortServesItsMetrics() throws Exception {
        int port = PrometheusProcess.freePort();
        Configuration conf =
                AlignJob.clusterConfiguration(
                        JobConfig.load(null, List.of("metrics.prometheus.port=" + port)));
        assertThat(conf.toMap())
                .containsEntry(
                        "metrics.reporter.prom.factory.class",
                        LoopbackPrometheusReporterFactory.class.getName())
                .containsEntry("metrics.reporter.prom.host", "127.0.0.1");
        assertThat(AlignJob.clusterConfiguration(JobConfig.defaults()).toMap()).isEmpty();

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.fromSequence(0, Long.MAX_VALUE)
                .map(
                        n -> {
                            Thread.sleep(10);
                            return n;
                        })
                .name("slow-map")
                .sinkTo(new org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink<>());
        JobClient job = env.executeAsync("reporter-test");
        try {
            String body = "";
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!body.contains("operator_name=\"slow_map\"") && System.nanoTime() < deadline) {
                Thread.sleep(200);
                try {
                    body = scrape(port).body();
                } catch (IOException notYet) {
                    // the MiniCluster is still starting
                }
            }
            assertThat(body)
                    .contains("flink_jobmanager_numRegisteredTaskManagers")
                    .contains("flink_taskmanager_job_task_operator_numRecordsIn{")
                    .contains("operator_name=\"slow_map\"");
        } finally {
            job.cancel().get();
        }
    }

    private HttpResponse<String> scrape(int port) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void connect(InetAddress address, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 2000);
        }
    }
}
