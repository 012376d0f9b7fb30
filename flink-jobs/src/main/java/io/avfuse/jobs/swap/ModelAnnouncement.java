package io.avfuse.jobs.swap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * "Serve the model in this directory from now on": what a control-topic record or a new directory
 * under the watched directory says.
 *
 * <p>{@code ModelAnnouncement a =
 * ModelAnnouncement.parse("{\"dir\":\"/models/v2\",\"version\":\"v2\"}", "control topic
 * models@0:17");}
 *
 * @param dir the model directory (as {@code ModelDirectory} reads it)
 * @param version the manifest version the announcer expects, or null: when given, a directory whose
 *     manifest names another version is refused
 * @param origin where the announcement came from, for logs
 * @param problem why the announcement cannot be served (unreadable record), else null: such an
 *     announcement counts as a failed load, so the announcer's mistake raises the same alert
 */
public record ModelAnnouncement(String dir, String version, String origin, String problem) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public ModelAnnouncement(String dir, String version, String origin) {
        this(
                dir,
                version,
                origin,
                dir == null || dir.isBlank() ? "it names no model directory" : null);
    }

    /** An announcement that cannot be served, with the reason. */
    public static ModelAnnouncement unreadable(String origin, String problem) {
        return new ModelAnnouncement(null, null, origin, problem);
    }

    /**
     * A control-topic record value: a plain directory path, or JSON {@code {"dir": "...",
     * "version": "..."}} ({@code version} optional).
     *
     * <p>A value that is neither gives an {@link #unreadable} announcement saying why.
     */
    public static ModelAnnouncement parse(String value, String origin) {
        String text = value == null ? "" : value.strip();
        if (!text.startsWith("{")) {
            return new ModelAnnouncement(text, null, origin);
        }
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return unreadable(origin, "not valid JSON: " + e.getOriginalMessage());
        }
        JsonNode dir = node.get("dir");
        if (dir == null || !dir.isTextual()) {
            return unreadable(origin, "no string field \"dir\" in " + text);
        }
        JsonNode version = node.get("version");
        return new ModelAnnouncement(
                dir.asText(),
                version != null && version.isTextual() ? version.asText() : null,
                origin);
    }
}
