package io.avfuse.jobs.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The ground truth of one generated clip ({@code clipN.labels.json}): the class of each 1 s window.
 *
 * @param clip the clip's name
 * @param classes class index of window i
 */
public record ClipLabels(String clip, int[] classes) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static ClipLabels read(Path file) throws IOException {
        JsonNode doc = JSON.readTree(file.toFile());
        if (doc.path("windowSeconds").asDouble() != 1.0) {
            throw new IOException(file + ": avfuse trains on 1 s windows");
        }
        JsonNode windows = doc.path("windows");
        int[] classes = new int[windows.size()];
        for (JsonNode w : windows) {
            classes[w.path("index").asInt()] = w.path("class").asInt();
        }
        return new ClipLabels(doc.path("clip").asText(), classes);
    }

    /**
     * The class of the window starting at {@code windowStartUs} of a clip ingested from {@code
     * anchorUs}; passes of a looping source repeat the labels. -1 outside the clip.
     */
    public int classAt(long windowStartUs, long anchorUs, boolean looping) {
        long index = Math.floorDiv(windowStartUs - anchorUs, 1_000_000L);
        if (index < 0 || (!looping && index >= classes.length)) {
            return -1;
        }
        return classes[(int) (index % classes.length)];
    }
}
