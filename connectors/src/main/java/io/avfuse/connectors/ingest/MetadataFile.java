package io.avfuse.connectors.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.avfuse.schemas.TextKind;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads JSON Lines metadata (the tabular modality) into {@code METADATA} events. One object per
 * line: {@code t} (seconds from the start of the media, required), {@code duration} (seconds,
 * default 0), {@code text} (default empty) and {@code features}, an object of finite numbers. Blank
 * lines and lines starting with {@code #} are skipped.
 *
 * <p>{@code {"t": 2.0, "duration": 1.0, "text": "scene", "features": {"crowd": 0.8}}}
 */
public final class MetadataFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** About 31 years: larger media offsets are typos, and would overflow µs event times. */
    static final double MAX_SECONDS = 1e9;

    private MetadataFile() {}

    public static List<TimedText> read(Path file) {
        try {
            return parse(Sidecars.readText(file).lines().toList(), file.toString());
        } catch (IOException e) {
            throw new IngestException(
                    IngestException.INPUT, "cannot read metadata " + file + ": " + e.getMessage());
        }
    }

    public static List<TimedText> parse(List<String> lines, String source) {
        List<TimedText> events = new ArrayList<>();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = source + ":" + (n + 1) + ": ";
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new IngestException(
                        IngestException.INPUT, where + "not JSON: " + e.getOriginalMessage());
            }
            if (node == null || !node.isObject()) {
                throw new IngestException(IngestException.INPUT, where + "not a JSON object");
            }
            double t = number(node, "t", where, Double.NaN);
            if (Double.isNaN(t) || t < 0) {
                throw new IngestException(
                        IngestException.INPUT,
                        where + "needs \"t\": seconds from the start of the media, >= 0");
            }
            if (t > MAX_SECONDS) {
                throw new IngestException(
                        IngestException.INPUT,
                        where + "\"t\" " + t + " s is beyond " + MAX_SECONDS + " s");
            }
            double duration = Math.min(number(node, "duration", where, 0), MAX_SECONDS);
            JsonNode text = node.get("text");
            events.add(
                    new TimedText(
                            Math.round(t * 1e6),
                            Math.round(Math.max(0, duration) * 1e6),
                            TextKind.METADATA,
                            text == null || text.isNull() ? "" : text.asText(),
                            features(node.get("features"), where)));
        }
        return events;
    }

    private static double number(JsonNode node, String field, String where, double missing) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return missing;
        }
        if (!value.isNumber()) {
            throw new IngestException(
                    IngestException.INPUT, where + "\"" + field + "\" must be a number");
        }
        return value.asDouble();
    }

    private static Map<String, Double> features(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new IngestException(
                    IngestException.INPUT, where + "\"features\" must be an object of numbers");
        }
        Map<String, Double> features = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isNumber() || !Double.isFinite(e.getValue().asDouble())) {
                throw new IngestException(
                        IngestException.INPUT,
                        where + "feature \"" + e.getKey() + "\" is not a finite number");
            }
            features.put(e.getKey(), e.getValue().asDouble());
        }
        return features;
    }
}
