package io.avfuse.jobs.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.test.junit5.MiniClusterExtension;

/**
 * What job ITCases and the soak read from a MiniCluster's REST API: restarts, task states, operator
 * metrics and checkpoint statistics, the way an operator would see them, over loopback only.
 */
public final class JobRest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JobRest() {}

    /** MiniCluster configuration whose REST endpoint binds and advertises loopback only. */
    static Configuration loopbackRest() {
        Configuration c = new Configuration();
        c.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        c.set(RestOptions.ADDRESS, "127.0.0.1");
        return c;
    }

    /**
     * A MiniCluster of one TaskManager with 2 slots, REST on loopback, whose metrics (watermarks
     * among them) are fetched at most 0.5 s old: for tests that wait on metric values.
     */
    static MiniClusterExtension miniClusterWithFreshMetrics() {
        Configuration c = new Configuration();
        c.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofMillis(500));
        return miniCluster(c);
    }

    /** The ITCases' MiniCluster: one TaskManager with two slots, REST on loopback. */
    public static MiniClusterExtension miniCluster() {
        return miniCluster(new Configuration());
    }

    /** {@link #miniCluster()} with {@code extra} settings on top (metric reporters, fetch rate). */
    public static MiniClusterExtension miniCluster(Configuration extra) {
        Configuration c = loopbackRest();
        c.addAll(extra);
        return new MiniClusterExtension(
                new MiniClusterResourceConfiguration.Builder()
                        .setConfiguration(c)
                        .setNumberTaskManagers(1)
                        .setNumberSlotsPerTaskManager(2)
                        .build());
    }

    static String get(ClusterClient<?> client, String path) throws Exception {
        return get(client.getWebInterfaceURL(), path);
    }

    /** GET {@code webInterfaceUrl + path}, which must be on loopback; anything but 200 fails. */
    public static String get(String webInterfaceUrl, String path) throws Exception {
        URI uri = URI.create(webInterfaceUrl + path);
        assertThat(uri.getHost()).isIn("127.0.0.1", "localhost");
        HttpResponse<String> r =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as("GET %s: %s", uri, r.body()).isEqualTo(200);
        return r.body();
    }

    /** The job's {@code numRestarts} metric (fetched lazily by Flink: polled). */
    /** {@code GET /jobs/<id>/checkpoints}: counts, summary, latest and recent history. */
    public static JsonNode checkpoints(String webInterfaceUrl, JobID id) throws Exception {
        return JSON.readTree(get(webInterfaceUrl, "/jobs/" + id + "/checkpoints"));
    }

    static long numRestarts(ClusterClient<?> client, JobID id) throws Exception {
        Pattern value = Pattern.compile("\"id\":\"numRestarts\",\"value\":\"(\\d+)\"");
        String body = "";
        for (int i = 0; i < 50; i++) {
            body = get(client, "/jobs/" + id + "/metrics?get=numRestarts");
            var m = value.matcher(body);
            if (m.find()) {
                return Long.parseLong(m.group(1));
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no numRestarts metric for job " + id + ": " + body);
    }

    /** Waits until every vertex of the job is RUNNING (sources have their splits soon after). */
    static void awaitAllTasksRunning(ClusterClient<?> client, JobID id, Duration timeout)
            throws Exception {
        awaitAllTasksRunning(client.getWebInterfaceURL(), id, timeout);
    }

    /** Waits until every vertex of the job is RUNNING, read from {@code webInterfaceUrl}. */
    public static void awaitAllTasksRunning(String webInterfaceUrl, JobID id, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode job = JSON.readTree(get(webInterfaceUrl, "/jobs/" + id));
            boolean all = job.get("vertices").size() > 0;
            for (JsonNode v : job.get("vertices")) {
                all &= v.get("status").asText().equals("RUNNING");
            }
            if (all) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("job " + id + " did not get all its tasks running in " + timeout);
    }

    /**
     * Waits until every subtask of the first vertex named {@code vertexPrefix*} has an input
     * watermark of at least {@code atLeastMs}.
     */
    static void awaitInputWatermark(
            ClusterClient<?> client,
            JobID id,
            String vertexPrefix,
            long atLeastMs,
            Duration timeout)
            throws Exception {
        String path =
                "/jobs/"
                        + id
                        + "/vertices/"
                        + vertexId(client.getWebInterfaceURL(), id, vertexPrefix);
        long deadline = System.nanoTime() + timeout.toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            body = get(client, path + "/watermarks");
            long min = Long.MAX_VALUE;
            int subtasks = 0;
            for (JsonNode w : JSON.readTree(body)) {
                if (w.get("id").asText().endsWith(".currentInputWatermark")) {
                    min = Math.min(min, Long.parseLong(w.get("value").asText()));
                    subtasks++;
                }
            }
            int parallelism = JSON.readTree(get(client, path)).get("parallelism").asInt();
            if (subtasks == parallelism && min >= atLeastMs) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(
                "input watermark of " + vertexPrefix + " not at " + atLeastMs + " ms: " + body);
    }

    private static String vertexId(String webInterfaceUrl, JobID id, String vertexPrefix)
            throws Exception {
        for (JsonNode v : JSON.readTree(get(webInterfaceUrl, "/jobs/" + id)).get("vertices")) {
            if (v.get("name").asText().startsWith(vertexPrefix)) {
                return v.get("id").asText();
            }
        }
        throw new AssertionError("no vertex named " + vertexPrefix + "* in job " + id);
    }

    /**
     * Sum over the subtasks of the first vertex whose name starts with {@code vertexPrefix} of the
     * metrics whose id contains {@code scope} and ends with {@code .name}; read until two reads
     * agree, since Flink's metric fetcher refreshes every few seconds.
     */
    static long vertexMetricSum(
            ClusterClient<?> client, JobID id, String vertexPrefix, String scope, String name)
            throws Exception {
        return vertexMetricSums(client, id, vertexPrefix, scope, name).get(name);
    }

    /** {@link #vertexMetricSum} of several metrics at once, read until two reads agree. */
    static Map<String, Long> vertexMetricSums(
            ClusterClient<?> client, JobID id, String vertexPrefix, String scope, String... names)
            throws Exception {
        return vertexMetricSums(client.getWebInterfaceURL(), id, vertexPrefix, scope, names);
    }

    /** {@link #vertexMetricSums} through the REST endpoint at {@code webInterfaceUrl}. */
    public static Map<String, Long> vertexMetricSums(
            String webInterfaceUrl, JobID id, String vertexPrefix, String scope, String... names)
            throws Exception {
        String base =
                "/jobs/"
                        + id
                        + "/vertices/"
                        + vertexId(webInterfaceUrl, id, vertexPrefix)
                        + "/metrics";
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        Map<String, String> nameOf = new HashMap<>(); // metric id -> name
        while (nameOf.values().stream().distinct().count() < names.length
                && System.nanoTime() < deadline) {
            for (JsonNode m : JSON.readTree(get(webInterfaceUrl, base))) {
                String metric = m.get("id").asText();
                for (String name : names) {
                    if (metric.endsWith("." + name) && metric.contains(scope)) {
                        nameOf.put(metric, name);
                    }
                }
            }
            if (nameOf.values().stream().distinct().count() < names.length) {
                Thread.sleep(500);
            }
        }
        assertThat(new TreeSet<>(nameOf.values()))
                .as("metrics of %s", vertexPrefix)
                .containsExactlyInAnyOrder(names);
        String query =
                base
                        + "?get="
                        + URLEncoder.encode(
                                String.join(",", nameOf.keySet()), StandardCharsets.UTF_8);
        Map<String, Long> previous = Map.of();
        for (int i = 0; i < 20; i++) {
            Map<String, Long> sums = new TreeMap<>();
            for (JsonNode v : JSON.readTree(get(webInterfaceUrl, query))) {
                sums.merge(
                        nameOf.get(v.get("id").asText()),
                        Long.parseLong(v.get("value").asText()),
                        Long::sum);
            }
            if (sums.equals(previous)) {
                return sums;
            }
            previous = sums;
            Thread.sleep(1_500);
        }
        return previous;
    }
}
