package io.avfuse.jobs.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The Prometheus and Grafana files under {@code deploy/}, and the metrics they name. */
public final class MonitoringFiles {
    /** A metric the Flink reporter exports: every one starts with {@code flink_}. */
    private static final Pattern METRIC = Pattern.compile("\\bflink_[A-Za-z0-9_]+");

    private MonitoringFiles() {}

    public static Path root() {
        return Path.of(System.getProperty("avfuse.project.root", "..")).toAbsolutePath();
    }

    public static Path prometheusConfig() {
        return root().resolve("deploy/prometheus/prometheus.yml");
    }

    public static Path alertRules() {
        return root().resolve("deploy/prometheus/alerts.yml");
    }

    public static Path alertTests() {
        return root().resolve("deploy/prometheus/alerts-test.yml");
    }

    public static Path dashboard() {
        return root().resolve("deploy/grafana/avfuse-dashboard.json");
    }

    /** Every panel target's PromQL expression in the dashboard, as "panel title: expr". */
    public static List<String[]> dashboardExpressions() {
        List<String[]> out = new ArrayList<>();
        for (JsonNode panel : panels(read(dashboard()))) {
            for (JsonNode target : panel.path("targets")) {
                out.add(new String[] {panel.path("title").asText(), target.path("expr").asText()});
            }
        }
        return out;
    }

    /** The dashboard's panels, rows' nested panels included. */
    public static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            out.add(p);
            p.path("panels").forEach(out::add);
        }
        return out;
    }

    public static JsonNode read(Path json) {
        try {
            return new ObjectMapper().readTree(json.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every {@code flink_*} metric name the alert rules and the dashboard's queries use. */
    public static Set<String> referencedMetrics() {
        Set<String> names = new TreeSet<>();
        try {
            names.addAll(metricsIn(Files.readString(alertRules())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String[] e : dashboardExpressions()) {
            names.addAll(metricsIn(e[1]));
        }
        return names;
    }

    static Set<String> metricsIn(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(text);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }
}
