package io.avfuse.jobs.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.kafka.TopicReader;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.jobs.align.AlignFixtures;
import io.avfuse.jobs.align.Modality;
import io.avfuse.jobs.align.ModalityEvent;
import io.avfuse.jobs.metrics.LoopbackPrometheusReporterFactory;
import io.avfuse.jobs.metrics.MonitoringFiles;
import io.avfuse.jobs.metrics.PrometheusProcess;
import io.avfuse.jobs.model.FusionInferenceTest;
import io.avfuse.schemas.Prediction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fusion job's metrics as Prometheus sees them: a MiniCluster reporting through the loopback
 * Prometheus reporter, the job on a real broker (one stream complete, one losing its audio halfway,
 * one losing its video, plus a caption, a metadata event and a frame stamped two years ahead), and
 * a real {@code prometheus} server scraping it every second. Every check goes through Prometheus'
 * query API: records and bytes in per modality equal what was produced, the future-stamped frame is
 * dropped, every window is predicted and counted once per class, the degraded rate is the share of
 * windows missing a modality the model was trained on, and every metric the alert rules and the
 * Grafana dashboard name is among the scraped series.
 */
class PrometheusMetricsITCase {
    private static final int SECONDS = 6;

    private static final int REPORTER_PORT = freePort();

    @RegisterExtension static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            JobRest.miniCluster(
                    LoopbackPrometheusReporterFactory.configure(
                            new Configuration(), "127.0.0.1", Integer.toString(REPORTER_PORT)));

    private static PrometheusProcess prometheus;

    @TempDir Path tmp;

    @BeforeAll
    static void startPrometheus() throws Exception {
        Path dir =
                Files.createTempDirectory(
                        Path.of(System.getProperty("java.io.tmpdir")), "prometheus-it");
        prometheus = PrometheusProcess.start(dir, List.of("127.0.0.1:" + REPORTER_PORT));
    }

    @AfterAll
    static void stopPrometheus() throws Exception {
        if (prometheus != null) {
            prometheus.close();
        }
    }

    private static int freePort() {
        try {
            return PrometheusProcess.freePort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void prometheusScrapesEveryAvfuseMetricTheDashboardAndAlertsUse() throws Exception {
        long started = System.nanoTime();
        Path model = FusionInferenceTest.savedModel(tmp, 16, List.of("video", "audio"));
        // Two years ahead: valid Avro, but past watermarks.max-future, so dropped.
        ModalityEvent future = ModalityEvent.of(AlignFixtures.frame("cam-0", 1_600_000_000L));
        Scenario s =
                new Scenario(KAFKA, "prom")
                        .av("cam-0", SECONDS, null, 0)
                        .av("cam-1", SECONDS, Modality.AUDIO, 3_000_000)
                        .av("cam-2", SECONDS, Modality.VIDEO, 3_000_000)
                        .add(
                                ModalityEvent.of(
                                        AlignFixtures.caption("cam-0", 1_200_000, 500_000, "goal")))
                        .add(ModalityEvent.of(AlignFixtures.metadata("cam-0", 1_500_000, 0.5)))
                        .add(future);
        s.produce(KAFKA, List.of());
        Map<Modality, Long> records = new EnumMap<>(Modality.class);
        Map<Modality, Long> bytes = new EnumMap<>(Modality.class);
        for (ModalityEvent e : s.events()) {
            if (e != future) {
                records.merge(e.modality(), 1L, Long::sum);
                bytes.merge(e.modality(), e.payloadBytes(), Long::sum);
            }
        }
        FuseJobSettings.Topics topics =
                FuseJobSettings.Topics.unique(KAFKA, "prom").withInputs(s.video, s.audio, s.text);
        String predictions = topics.predictions();
        String embeddings = topics.embeddings();
        String dlq = topics.deadletter();
        KAFKA.createTopics(2, (short) 1, predictions, embeddings);
        KAFKA.createTopics(1, (short) 1, dlq);

        JobClient job =
                FuseJobSettings.of(KAFKA.bootstrapServers(), topics, model)
                        // The clock stream's window must not be flushed: 18 windows exactly.
                        .set("align.idle-flush", "0s")
                        .start("prom-it");
        try {
            int windows = 3 * SECONDS;
            String op = "flink_taskmanager_job_task_operator_avfuse_";
            awaitValue("all windows predicted", "sum(" + op + "fusion_predictions)", windows);
            awaitCommitted(predictions, windows);

            for (Modality m : Modality.values()) {
                String sel = "{modality=\"" + m.label() + "\"}";
                awaitValue(
                        m.label() + " records in",
                        "sum(" + op + "align_modality_recordsIn" + sel + ")",
                        records.get(m));
                awaitValue(
                        m.label() + " bytes in",
                        "sum(" + op + "align_modality_bytesIn" + sel + ")",
                        bytes.get(m));
            }
            awaitValue(
                    "the future frame dropped",
                    "sum(" + op + "align_modality_droppedRecords{modality=\"video\"})",
                    1);
            awaitValue(
                    "nothing else dropped or late",
                    "sum("
                            + op
                            + "align_modality_droppedRecords) + sum("
                            + op
                            + "align_modality_lateRecords)",
                    1);
            awaitValue(
                    "windows missing audio (cam-1 from 3 s)",
                    "sum(" + op + "align_modality_windowsMissing{modality=\"audio\"})",
                    3);
            awaitValue(
                    "windows missing video (cam-2 from 3 s)",
                    "sum(" + op + "align_modality_windowsMissing{modality=\"video\"})",
                    3);
            awaitValue(
                    "per-class predictions add up to the windows",
                    "sum(" + op + "fusion_class_predictions)",
                    windows);
            awaitValue(
                    "degraded rate: 6 of 18 windows miss audio or video",
                    "sum(" + op + "fusion_degradedPredictions) / sum(" + op + "fusion_predictions)",
                    6.0 / windows);
            awaitValue(
                    "latency histogram count",
                    "sum(" + op + "fusion_windowEndToPredictionMs_count)",
                    windows);
            awaitValue(
                    "the serving model, per inference subtask",
                    "sum(" + op + "model_version_serving{version=\"test_7\"})",
                    2);
            awaitValue(
                    "the device label", "sum(" + op + "inference_device_info{device=\"cpu\"})", 2);
            awaitValue(
                    "inference histograms: one model call per batch",
                    "sum("
                            + op
                            + "inference_batchSize_count) == bool sum("
                            + op
                            + "inference_modelTimeMs_count)",
                    1);

            // The class counts equal what was committed to Kafka, label by label.
            List<Prediction> got =
                    TopicReader.readAll(
                            KAFKA.bootstrapServers(),
                            predictions,
                            RecordType.PREDICTION,
                            Duration.ofSeconds(30));
            Map<String, Long> committed = new java.util.TreeMap<>();
            got.forEach(p -> committed.merge(p.getLabel(), 1L, Long::sum));
            Map<String, Double> perClass =
                    prometheus.query("sum by (class) (" + op + "fusion_class_predictions)");
            Map<String, Long> scraped = new java.util.TreeMap<>();
            perClass.forEach(
                    (labels, v) ->
                            scraped.put(
                                    labels.replaceAll(".*\"class\":\"([^\"]*)\".*", "$1"),
                                    v.longValue()));
            assertThat(scraped).isEqualTo(committed);

            // Latency: window end (T0 + up to 6 s, event time) to prediction (now): at least the
            // age of T0 when the test started.
            long minMs = (System.currentTimeMillis() * 1000 - AlignFixtures.T0) / 1000 - 600_000;
            Double p50 =
                    prometheus.value(
                            "max(" + op + "fusion_windowEndToPredictionMs{quantile=\"0.5\"})");
            assertThat(p50).isGreaterThan((double) minMs);
            // Skew: measured for every present modality of every window, in milliseconds; the
            // streams span 6 s, so no modality can trail another by more.
            for (String m : List.of("video", "audio")) {
                String sel = "{modality=\"" + m + "\"";
                assertThat(
                                prometheus.value(
                                        "sum("
                                                + op
                                                + "align_modality_alignSkewMs_count"
                                                + sel
                                                + "})"))
                        .as(m + " skew samples")
                        .isGreaterThan(0);
                assertThat(
                                prometheus.value(
                                        "max("
                                                + op
                                                + "align_modality_alignSkewMs"
                                                + sel
                                                + ",quantile=\"0.999\"})"))
                        .as(m + " skew p99.9 (ms)")
                        .isBetween(0.0, SECONDS * 1000.0);
            }

            // Every metric the alert rules and the dashboard name is one Prometheus scraped.
            Set<String> scrapedNames = awaitNames(MonitoringFiles.referencedMetrics());
            Files.write(
                    Path.of(System.getProperty("java.io.tmpdir"), "prometheus-it-names.txt"),
                    scrapedNames);
            assertThat(scrapedNames).containsAll(MonitoringFiles.referencedMetrics());

            // Every dashboard query returns data from the running job.
            for (String[] panel : MonitoringFiles.dashboardExpressions()) {
                String expr = panel[1].replace("$__rate_interval", "15s");
                assertThat(prometheus.query(expr))
                        .as("dashboard panel '" + panel[0] + "': " + expr)
                        .isNotEmpty();
            }
            Double skewP99 =
                    prometheus.value(
                            "max(" + op + "align_modality_alignSkewMs{quantile=\"0.99\"})");

            System.out.printf(
                    "[prometheus] %d windows, records in %s, bytes in %s, classes %s, latency p50"
                            + " %.0f ms, skew p99 %.0f ms; %d series names, %d dashboard queries; %.1f"
                            + " s%n",
                    windows,
                    records,
                    bytes,
                    scraped,
                    p50,
                    skewP99,
                    scrapedNames.size(),
                    MonitoringFiles.dashboardExpressions().size(),
                    (System.nanoTime() - started) / 1e9);
        } finally {
            job.cancel().get();
        }
    }

    /** Polls {@code promql} until it equals {@code expected}; fails with the last value. */
    private static void awaitValue(String what, String promql, double expected) throws Exception {
        Double last =
                poll(
                        () -> prometheus.value(promql),
                        v -> v != null && Math.abs(v - expected) < 1e-9);
        assertThat(last)
                .as(what + ": " + promql + " (targets " + prometheus.targets() + ")")
                .isNotNull();
        assertThat(last)
                .as(what + ": " + promql)
                .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-9));
    }

    private static Set<String> awaitNames(Set<String> wanted) throws Exception {
        return poll(
                () -> new TreeSet<>(prometheus.metricNames()), names -> names.containsAll(wanted));
    }

    private static <T> T poll(Callable<T> get, java.util.function.Predicate<T> done)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        T last = get.call();
        while (!done.test(last) && System.nanoTime() < deadline) {
            Thread.sleep(500);
            last = get.call();
        }
        return last;
    }

    private static void awaitCommitted(String topic, int count) throws Exception {
        int seen =
                poll(
                        () ->
                                TopicReader.readAll(
                                                KAFKA.bootstrapServers(),
                                                topic,
                                                true,
                                                Duration.ofSeconds(30))
                                        .size(),
                        n -> n >= count);
        assertThat(seen).as("records committed to " + topic).isEqualTo(count);
    }
}
