package io.avfuse.jobs.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.avfuse.connectors.broker.KafkaBroker;
import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.jobs.dashboard.Dashboard;
import io.avfuse.jobs.dashboard.DashboardCommand;
import io.avfuse.jobs.metrics.PrometheusProcess;
import io.avfuse.jobs.model.FusionInferenceTest;
import io.avfuse.jobs.train.LocalPipeline;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every server avfuse starts listens on 127.0.0.1 only: the Kafka node's broker and controller
 * listeners (a child JVM), and in this JVM the local MiniCluster that {@code avfuse fuse} starts
 * (REST / web UI, blob server, anything else Flink opens), the job's Prometheus endpoint, the
 * dashboard with its default {@code --bind}, and the MiniCluster of the demo and of training
 * ({@code LocalPipeline.loopbackCluster}). The listening sockets are read from {@code /proc} as
 * {@code ss -ltnp} does, for this JVM and the broker's, and each one must be loopback-bound; as a
 * second oracle, a connection to 127.0.0.2 (loopback too, but not the bound address) must be
 * refused, which a server bound to 0.0.0.0 would accept.
 *
 * <p>No MiniClusterExtension here on purpose: {@code avfuse fuse} must start its own cluster.
 */
class LoopbackBindingITCase {
    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.dedicated(KafkaBroker.builder());

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path tmp;

    @Test
    void everyServerAvfuseStartsListensOnLoopbackOnly() throws Exception {
        KafkaBroker broker = KAFKA.broker();
        String video = KAFKA.uniqueTopic("lb-video");
        String audio = KAFKA.uniqueTopic("lb-audio");
        String text = KAFKA.uniqueTopic("lb-text");
        String predictions = KAFKA.uniqueTopic("lb-predictions");
        KAFKA.createTopics(1, (short) 1, video, audio, text, predictions);
        Path model = FusionInferenceTest.savedModel(tmp, 16, List.of("video", "audio"));
        int metricsPort = PrometheusProcess.freePort();
        long self = ProcessHandle.current().pid();
        Set<Integer> before = ports(ListeningSockets.of(self));

        // avfuse fuse, as bin/avfuse runs it: its own local MiniCluster, the metrics endpoint.
        CompletableFuture<Integer> fuse =
                CompletableFuture.supplyAsync(
                        () ->
                                JobCli.run(
                                        new FuseJob(),
                                        new String[] {
                                            "--set",
                                            "kafka.bootstrap-servers=" + KAFKA.bootstrapServers(),
                                            "--set",
                                            "kafka.group-id=lb-" + predictions,
                                            "--set",
                                            "topics.video=" + video,
                                            "--set",
                                            "topics.audio=" + audio,
                                            "--set",
                                            "topics.text=" + text,
                                            "--set",
                                            "topics.predictions=" + predictions,
                                            "--set",
                                            "topics.embeddings=" + predictions,
                                            "--set",
                                            "topics.deadletter=" + predictions,
                                            "--set",
                                            "model.dir=" + model,
                                            "--set",
                                            "metrics.prometheus.port=" + metricsPort
                                        }));
        String dashboardBind =
                new picocli.CommandLine(new DashboardCommand())
                        .getCommandSpec()
                        .findOption("--bind")
                        .defaultValue();
        int rest = -1;
        String jobId = null;
        List<String> report = new ArrayList<>();
        try (Dashboard dashboard =
                Dashboard.start(
                        new Dashboard.Settings(
                                KAFKA.bootstrapServers(),
                                Map.of(),
                                predictions,
                                predictions,
                                video,
                                "latest",
                                WireFormat.SINGLE_OBJECT,
                                null,
                                dashboardBind,
                                0,
                                4,
                                4))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (jobId == null && System.nanoTime() < deadline && !fuse.isDone()) {
                Thread.sleep(500);
                for (int port : ports(ListeningSockets.of(self))) {
                    if (!before.contains(port) && port != dashboard.address().getPort()) {
                        String running = runningJob(port);
                        if (running != null) {
                            rest = port;
                            jobId = running;
                        }
                    }
                }
            }
            assertThat(jobId)
                    .as("avfuse fuse's job running, found through its REST port")
                    .isNotNull();
            // The reporter opens when the job's first metrics register: wait for it, bounded.
            long metricsDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!ports(ListeningSockets.of(self)).contains(metricsPort)
                    && System.nanoTime() < metricsDeadline) {
                Thread.sleep(200);
            }

            List<InetSocketAddress> ours = ListeningSockets.of(self);
            List<InetSocketAddress> brokers = ListeningSockets.of(broker.pid(0));
            ours.forEach(a -> report.add("test JVM " + a));
            brokers.forEach(a -> report.add("kafka node " + a));

            assertThat(ports(ours))
                    .as("REST, metrics and dashboard ports among this JVM's listeners")
                    .contains(rest, metricsPort, dashboard.address().getPort());
            assertThat(brokers).as("broker and controller listeners").hasSize(2);
            assertThat(ports(brokers))
                    .contains(Integer.parseInt(KAFKA.bootstrapServers().split(":")[1]));
            assertLoopbackOnly(concat(ours, brokers), report);
        } finally {
            if (jobId != null) {
                cancel(rest, jobId);
            }
            // avfuse fuse returns (or throws the cancellation) once its job is cancelled.
            fuse.exceptionally(e -> -1).get(60, TimeUnit.SECONDS);
        }

        // The demo's and training's MiniCluster (web UI on a fixed port in the demo; 0 here).
        Set<Integer> beforeDemo = ports(ListeningSockets.of(self));
        StreamExecutionEnvironment demo =
                StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(
                        LocalPipeline.loopbackCluster(0));
        JobConfig cfg =
                JobConfig.load(
                        null,
                        List.of(
                                "kafka.bootstrap-servers=" + KAFKA.bootstrapServers(),
                                "kafka.group-id=lb-demo-" + predictions,
                                "topics.video=" + video,
                                "topics.audio=" + audio,
                                "topics.text=" + text,
                                "topics.predictions=" + predictions,
                                "topics.embeddings=" + predictions,
                                "topics.deadletter=" + predictions,
                                "model.dir=" + model));
        FuseJob.defineFromKafka(demo, cfg, false);
        JobClient job = demo.executeAsync("lb-demo");
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline
                    && job.getJobStatus().get() != org.apache.flink.api.common.JobStatus.RUNNING) {
                Thread.sleep(200);
            }
            List<InetSocketAddress> opened =
                    ListeningSockets.of(self).stream()
                            .filter(a -> !beforeDemo.contains(a.getPort()))
                            .toList();
            List<String> demoReport = new ArrayList<>();
            opened.forEach(a -> demoReport.add("demo cluster " + a));
            assertThat(opened).as("the demo cluster's REST endpoint at least").isNotEmpty();
            assertLoopbackOnly(opened, demoReport);
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
    }

    private static void assertLoopbackOnly(List<InetSocketAddress> listeners, List<String> report) {
        for (InetSocketAddress a : listeners) {
            assertThat(a.getAddress().getHostAddress())
                    .as("bound address of %s; all listeners: %s", a, report)
                    .isEqualTo("127.0.0.1");
            assertThat(ListeningSockets.accepts("127.0.0.2", a.getPort()))
                    .as("port %d accepts 127.0.0.2: not bound to 127.0.0.1 only", a.getPort())
                    .isFalse();
            assertThat(ListeningSockets.accepts("127.0.0.1", a.getPort()))
                    .as("port %d accepts 127.0.0.1", a.getPort())
                    .isTrue();
        }
    }

    private static Set<Integer> ports(List<InetSocketAddress> addresses) {
        Set<Integer> ports = new TreeSet<>();
        addresses.forEach(a -> ports.add(a.getPort()));
        return ports;
    }

    private static List<InetSocketAddress> concat(
            List<InetSocketAddress> a, List<InetSocketAddress> b) {
        List<InetSocketAddress> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** The id of a RUNNING job if {@code port} is a Flink REST endpoint that has one. */
    private static String runningJob(int port) {
        try {
            HttpResponse<String> r =
                    HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(
                                                    URI.create(
                                                            "http://127.0.0.1:"
                                                                    + port
                                                                    + "/jobs/overview"))
                                            .timeout(Duration.ofSeconds(2))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return null;
            }
            for (JsonNode job : JSON.readTree(r.body()).path("jobs")) {
                if (job.path("state").asText().equals("RUNNING")) {
                    return job.path("jid").asText();
                }
            }
        } catch (Exception e) {
            // not Flink's REST endpoint (or not yet)
        }
        return null;
    }

    private static void cancel(int port, String jobId) throws Exception {
        HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(
                                        URI.create(
                                                "http://127.0.0.1:"
                                                        + port
                                                        + "/jobs/"
                                                        + jobId
                                                        + "?mode=cancel"))
                                .method("PATCH", HttpRequest.BodyPublishers.noBody())
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }
}
