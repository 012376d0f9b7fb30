package io.avfuse.jobs.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server (Debian's {@code prometheus} package) on 127.0.0.1 for tests: it scrapes
 * the given loopback targets every second, keeps its data in {@code dir}, and answers instant
 * queries through its HTTP API. {@link #close()} stops this process only (by its PID).
 *
 * <p>{@code try (var prom = PrometheusProcess.start(dir, List.of("127.0.0.1:9249"))) { ... }}
 */
public final class PrometheusProcess implements AutoCloseable {
    /** Where Debian installs the server and its config checker. */
    public static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");

    public static final Path PROMTOOL = Path.of("/usr/bin/promtool");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final int port;
    private final Path log;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private PrometheusProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Fails with how to install Prometheus when it is missing. */
    public static void requireInstalled() {
        if (!Files.isExecutable(PROMETHEUS) || !Files.isExecutable(PROMTOOL)) {
            throw new IllegalStateException(
                    PROMETHEUS
                            + " or "
                            + PROMTOOL
                            + " is missing: apt-get install prometheus (.ci/run installs it)");
        }
    }

    /** Starts Prometheus scraping {@code targets} (host:port) every second. */
    public static PrometheusProcess start(Path dir, List<String> targets) throws Exception {
        requireInstalled();
        Files.createDirectories(dir);
        Path config = dir.resolve("prometheus.yml");
        StringBuilder yaml =
                new StringBuilder(
                        "global:\n"
                                + "  scrape_interval: 1s\n"
                                + "  evaluation_interval: 1s\n"
                                + "scrape_configs:\n"
                                + "  - job_name: avfuse-it\n"
                                + "    static_configs:\n"
                                + "      - targets:\n");
        for (String t : targets) {
            yaml.append("          - '").append(t).append("'\n");
        }
        Files.writeString(config, yaml);
        int port = freePort();
        Path log = dir.resolve("prometheus.log");
        Process p =
                new ProcessBuilder(
                                PROMETHEUS.toString(),
                                "--config.file=" + config,
                                "--web.listen-address=127.0.0.1:" + port,
                                "--storage.tsdb.path=" + dir.resolve("data"),
                                "--web.console.libraries=" + dir,
                                "--web.console.templates=" + dir)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .start();
        PrometheusProcess prom = new PrometheusProcess(p, port, log);
        try {
            prom.awaitReady(Duration.ofSeconds(30));
        } catch (Exception e) {
            prom.close();
            throw e;
        }
        return prom;
    }

    /** A port that was free on 127.0.0.1 a moment ago. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    private void awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "prometheus exited with " + process.exitValue() + ": " + logTail());
            }
            try {
                HttpResponse<String> r = get("/-/ready");
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("prometheus not ready after " + timeout + ": " + logTail());
    }

    /** The last lines Prometheus logged, for failure messages. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private HttpResponse<String> get(String pathAndQuery) throws Exception {
        HttpRequest request =
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                        .timeout(Duration.ofSeconds(10))
                        .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode api(String pathAndQuery) throws Exception {
        HttpResponse<String> r = get(pathAndQuery);
        JsonNode body = JSON.readTree(r.body());
        if (r.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
            throw new IllegalStateException(
                    "prometheus answered " + r.statusCode() + " to " + pathAndQuery + ": " + body);
        }
        return body.get("data");
    }

    /**
     * Evaluates {@code promql} now (/api/v1/query): one value per series, keyed by its labels
     * ({@code {}} for a scalar-like result without labels).
     */
    public Map<String, Double> query(String promql) throws Exception {
        JsonNode data =
                api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        Map<String, Double> out = new TreeMap<>();
        if ("scalar".equals(data.path("resultType").asText())) {
            out.put("{}", data.get("result").get(1).asDouble());
            return out;
        }
        for (JsonNode series : data.get("result")) {
            out.put(series.get("metric").toString(), series.get("value").get(1).asDouble());
        }
        return out;
    }

    /** The single value of {@code promql}, or null while it has no result. */
    public Double value(String promql) throws Exception {
        Map<String, Double> r = query(promql);
        if (r.size() > 1) {
            throw new IllegalStateException(promql + " has " + r.size() + " series: " + r);
        }
        return r.isEmpty() ? null : r.values().iterator().next();
    }

    /** Every metric name Prometheus has stored (/api/v1/label/__name__/values). */
    public Set<String> metricNames() throws Exception {
        Set<String> names = new TreeSet<>();
        for (JsonNode n : api("/api/v1/label/__name__/values")) {
            names.add(n.asText());
        }
        return names;
    }

    /** The health of each scrape target ("up", "down", "unknown") with its last error. */
    public List<String> targets() throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode t : api("/api/v1/targets").get("activeTargets")) {
            out.add(
                    t.path("scrapeUrl").asText()
                            + " "
                            + t.path("health").asText()
                            + " "
                            + t.path("lastError").asText());
        }
        return out;
    }

    /** Stops this Prometheus (SIGTERM to its PID, then SIGKILL after 10 s). */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
