package io.avfuse.connectors.synth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The text side of a generated clip: {@code clipN.srt} (one caption per window with text, from 0.1
 * s to 0.9 s into it), {@code clipN.meta.jsonl} (one metadata line per window with metadata, at its
 * start, lasting 1 s), {@code clipN.labels.json} (per-window ground truth), and the benchmark's
 * {@code classes.json}.
 */
public final class ClipFiles {
    static final double CAPTION_START_S = 0.1;
    static final double CAPTION_END_S = 0.9;

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ClipFiles() {}

    public static void writeSrt(List<WindowPlan> windows, Path file) throws IOException {
        StringBuilder srt = new StringBuilder();
        int n = 1;
        for (WindowPlan w : windows) {
            if (w.caption() != null) {
                srt.append(n++)
                        .append('\n')
                        .append(srtTime(w.index() + CAPTION_START_S))
                        .append(" --> ")
                        .append(srtTime(w.index() + CAPTION_END_S))
                        .append('\n')
                        .append(w.caption())
                        .append("\n\n");
            }
        }
        Files.writeString(file, srt, StandardCharsets.UTF_8);
    }

    public static void writeMetadata(List<WindowPlan> windows, Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        for (WindowPlan w : windows) {
            if (w.features() != null) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("t", (double) w.index());
                line.put("duration", 1.0);
                line.put("text", "window " + w.index());
                line.put("features", w.features());
                lines.add(new ObjectMapper().writeValueAsString(line));
            }
        }
        Files.write(file, lines, StandardCharsets.UTF_8);
    }

    public static void writeLabels(
            String clip, long seed, List<WindowPlan> windows, Map<String, Object> media, Path file)
            throws IOException {
        Map<String, Object> labels = new LinkedHashMap<>();
        labels.put("clip", clip);
        labels.put("seed", seed);
        labels.put("windowSeconds", 1.0);
        labels.putAll(media);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (WindowPlan w : windows) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("index", w.index());
            row.put("startSeconds", (double) w.index());
            row.put("endSeconds", (double) w.index() + 1);
            row.put("class", w.eventClass());
            row.put("name", ClassCatalogue.CLASSES.get(w.eventClass()).name());
            Map<String, Object> present = new LinkedHashMap<>();
            Map<String, Object> noisy = new LinkedHashMap<>();
            Map<String, Object> cues = new LinkedHashMap<>();
            for (Modality m : Modality.values()) {
                present.put(m.key(), w.present(m));
                noisy.put(m.key(), w.noisy().contains(m));
                cues.put(m.key(), w.present(m) ? cueName(m, w.cues().get(m)) : null);
            }
            row.put("present", present);
            row.put("noisy", noisy);
            row.put("cues", cues);
            row.put("caption", w.caption());
            rows.add(row);
        }
        labels.put("windows", rows);
        JSON.writeValue(file.toFile(), labels);
    }

    /** The catalogue, the noise model and the Bayes bounds, for whoever evaluates on the clips. */
    public static void writeClasses(
            double noise, double absence, Map<Set<Modality>, Double> bounds, Path file)
            throws IOException {
        Map<String, Object> doc = new LinkedHashMap<>();
        List<Map<String, Object>> classes = new ArrayList<>();
        for (ClassCatalogue.EventClass c : ClassCatalogue.CLASSES) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("index", c.index());
            row.put("name", c.name());
            row.put("description", c.description());
            Map<String, Object> cues = new LinkedHashMap<>();
            for (Modality m : Modality.values()) {
                cues.put(m.key(), ClassCatalogue.alphabet(m).get(c.cue(m)));
            }
            cues.put("flashBeepSameSlot", c.timed() ? c.synchronous() : null);
            row.put("cues", cues);
            classes.add(row);
        }
        doc.put("classes", classes);
        doc.put("slots", ClassCatalogue.SLOTS);
        doc.put("noise", noise);
        doc.put("absence", absence);
        Map<String, Double> table = new LinkedHashMap<>();
        bounds.forEach((set, acc) -> table.put(subsetName(set), round(acc)));
        doc.put("bayesOptimalAccuracy", table);
        JSON.writeValue(file.toFile(), doc);
    }

    static String subsetName(Set<Modality> set) {
        return String.join("+", set.stream().map(Modality::key).toList());
    }

    static String cueName(Modality m, Cue cue) {
        String name = ClassCatalogue.alphabet(m).get(cue.symbol());
        return cue.slot() >= 0 ? name + "@" + cue.slot() : name;
    }

    static String srtTime(double seconds) {
        long ms = Math.round(seconds * 1000);
        return String.format(
                Locale.ROOT,
                "%02d:%02d:%02d,%03d",
                ms / 3_600_000,
                ms / 60_000 % 60,
                ms / 1000 % 60,
                ms % 1000);
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }
}
