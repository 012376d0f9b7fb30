package io.avfuse.jobs.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.YamlParserUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files under {@code deploy/prometheus} and {@code deploy/grafana}, checked by Prometheus' own
 * {@code promtool} (Debian's {@code prometheus} package, installed by {@code .ci/run}): the scrape
 * config and alert rules are valid, the alert rules pass their unit tests, and every dashboard
 * query is valid PromQL against the provisioned datasource. That the metric names exist in a
 * running job's scrape is {@code PrometheusMetricsITCase}'s part.
 */
class MonitoringFilesTest {
    @TempDir Path tmp;

    @BeforeAll
    static void promtoolInstalled() {
        PrometheusProcess.requireInstalled();
    }

    @Test
    void scrapeConfigAndAlertRulesAreValid() throws Exception {
        assertThat(promtool("check", "config", MonitoringFiles.prometheusConfig().toString()))
                .contains("SUCCESS");
        assertThat(promtool("check", "rules", MonitoringFiles.alertRules().toString()))
                .contains("SUCCESS: 5 rules found");
    }

    @Test
    void alertRulesPassTheirUnitTests() throws Exception {
        String out = promtool("test", "rules", MonitoringFiles.alertTests().toString());
        assertThat(out).contains("SUCCESS");
        // Every alert has at least one test in which it fires.
        String tests = Files.readString(MonitoringFiles.alertTests());
        for (String alert :
                List.of(
                        "AvfuseModalitySilent",
                        "AvfuseDegradedRateHigh",
                        "AvfuseCheckpointsFailing",
                        "AvfuseConsumerLagGrowing",
                        "AvfuseModelLoadFailing")) {
            assertThat(Files.readString(MonitoringFiles.alertRules())).contains("alert: " + alert);
            assertThat(tests).contains("alertname: " + alert);
        }
    }

    @Test
    void everyDashboardPanelQueriesTheProvisionedDatasourceWithValidPromQl() throws Exception {
        JsonNode dashboard = MonitoringFiles.read(MonitoringFiles.dashboard());
        assertThat(dashboard.path("uid").asText()).isEqualTo("avfuse");
        String datasourceUid = provisionedDatasourceUid();

        Set<Integer> ids = new HashSet<>();
        int queries = 0;
        for (JsonNode panel : MonitoringFiles.panels(dashboard)) {
            String title = panel.path("title").asText();
            assertThat(ids.add(panel.path("id").asInt())).as("unique id: " + title).isTrue();
            assertThat(panel.has("gridPos")).as("gridPos: " + title).isTrue();
            if (panel.path("type").asText().equals("row")) {
                continue;
            }
            assertThat(panel.path("datasource").path("uid").asText())
                    .as("datasource of " + title)
                    .isEqualTo(datasourceUid);
            assertThat(panel.path("targets")).as("queries of " + title).isNotEmpty();
            for (JsonNode target : panel.path("targets")) {
                assertThat(target.path("expr").asText()).as("query of " + title).isNotBlank();
                queries++;
            }
        }
        List<String[]> exprs = MonitoringFiles.dashboardExpressions();
        assertThat(exprs).hasSize(queries);
        assertThat(checkAsRules(exprs)).contains("SUCCESS: " + queries + " rules found");

        // The check can fail: one broken query makes promtool refuse the file.
        List<String[]> broken = new java.util.ArrayList<>(exprs);
        broken.add(new String[] {"broken", "sum(rate(flink_x[1m])"});
        assertThat(checkAsRulesExitCode(broken)).isNotZero();
    }

    @Test
    void dashboardCoversEveryMetricTheJobExports() {
        Set<String> used = MonitoringFiles.referencedMetrics();
        String op = "flink_taskmanager_job_task_operator_avfuse_";
        for (String name :
                List.of(
                        "align_modality_recordsIn",
                        "align_modality_bytesIn",
                        "align_modality_lateRecords",
                        "align_modality_droppedRecords",
                        "align_modality_evicted",
                        "align_modality_windowsMissing",
                        "align_modality_alignSkewMs",
                        "inference_batchSize",
                        "inference_queueWaitMs",
                        "inference_modelTimeMs",
                        "inference_inFlightBatches",
                        "inference_taskWaitMsTotal",
                        "inference_device_info",
                        "fusion_predictions",
                        "fusion_degradedPredictions",
                        "fusion_class_predictions",
                        "fusion_windowEndToPredictionMs",
                        "model_version_serving")) {
            assertThat(used).as("dashboard or alerts use " + op + name).contains(op + name);
        }
        assertThat(used)
                .contains(
                        "flink_taskmanager_job_task_backPressuredTimeMsPerSecond",
                        "flink_jobmanager_job_lastCheckpointDuration",
                        "flink_jobmanager_job_numberOfFailedCheckpoints",
                        "flink_jobmanager_job_numRestarts");
    }

    @SuppressWarnings("unchecked")
    private static String provisionedDatasourceUid() throws Exception {
        Path file =
                MonitoringFiles.root()
                        .resolve("deploy/grafana/provisioning/datasources/avfuse-prometheus.yml");
        Map<String, Object> yaml = YamlParserUtils.loadYamlFile(file.toFile());
        List<Map<String, Object>> sources = (List<Map<String, Object>>) yaml.get("datasources");
        assertThat(sources).hasSize(1);
        assertThat(sources.get(0)).containsEntry("type", "prometheus");
        return (String) sources.get(0).get("uid");
    }

    /** The queries as recording rules, which promtool parses: Grafana's interval made concrete. */
    private Path asRules(List<String[]> exprs) throws IOException {
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        int n = 0;
        for (String[] e : exprs) {
            String expr = e[1].replace("$__rate_interval", "1m");
            rules.append("      - record: avfuse:dashboard_query_")
                    .append(n++)
                    .append("\n        expr: '")
                    .append(expr.replace("'", "''"))
                    .append("'\n");
        }
        Path file = tmp.resolve("dashboard-rules-" + exprs.size() + ".yml");
        Files.writeString(file, rules);
        return file;
    }

    private String checkAsRules(List<String[]> exprs) throws Exception {
        return promtool("check", "rules", asRules(exprs).toString());
    }

    private int checkAsRulesExitCode(List<String[]> exprs) throws Exception {
        return run("check", "rules", asRules(exprs).toString()).exit();
    }

    /** Runs promtool; fails with its output unless it exits 0. */
    static String promtool(String... args) throws Exception {
        Result r = run(args);
        assertThat(r.exit()).as("promtool " + String.join(" ", args) + ":\n" + r.output()).isZero();
        return r.output();
    }

    private record Result(int exit, String output) {}

    private static Result run(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(PrometheusProcess.PROMTOOL.toString());
        cmd.addAll(List.of(args));
        Process p =
                new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("promtool finished").isTrue();
        return new Result(p.exitValue(), out);
    }
}
