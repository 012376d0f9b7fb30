package io.avfuse.jobs.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.avfuse.schemas.AlignedWindow;
import io.avfuse.schemas.WindowText;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Aligned windows with their class: what {@code avfuse train} learns from and {@code avfuse
 * evaluate} scores on. Stored as a directory: {@code windows.avro} (an Avro container file of the
 * {@code av.aligned} records, readable by avro-tools) and {@code labels.json} (class names and one
 * class index per window, in file order).
 *
 * <p>{@code LabelledWindows data = LabelledWindows.read(dir); data.write(copy);}
 *
 * @param classes class names, in logit order
 * @param windows the aligned windows
 * @param labels the class index of each window
 */
public record LabelledWindows(List<String> classes, List<AlignedWindow> windows, int[] labels) {
    public static final String WINDOWS = "windows.avro";
    public static final String LABELS = "labels.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    public LabelledWindows {
        classes = List.copyOf(classes);
        windows = List.copyOf(windows);
        if (windows.size() != labels.length) {
            throw new IllegalArgumentException(
                    windows.size() + " windows but " + labels.length + " labels");
        }
        for (int c : labels) {
            if (c < 0 || c >= classes.size()) {
                throw new IllegalArgumentException(
                        "label " + c + " outside the " + classes.size() + " classes");
            }
        }
    }

    public int size() {
        return windows.size();
    }

    /** Every caption, for building a vocabulary. */
    public List<String> captions() {
        List<String> corpus = new ArrayList<>();
        for (AlignedWindow w : windows) {
            for (WindowText t : w.getTexts()) {
                corpus.add(t.getText());
            }
        }
        return corpus;
    }

    /** The metadata feature names that occur, sorted. */
    public List<String> features() {
        TreeSet<String> names = new TreeSet<>();
        for (AlignedWindow w : windows) {
            if (w.getMetadata() != null) {
                w.getMetadata().keySet().forEach(k -> names.add(k.toString()));
            }
        }
        return List.copyOf(names);
    }

    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (DataFileWriter<AlignedWindow> out =
                new DataFileWriter<>(new SpecificDatumWriter<>(AlignedWindow.class))) {
            out.create(AlignedWindow.getClassSchema(), dir.resolve(WINDOWS).toFile());
            for (AlignedWindow w : windows) {
                out.append(w);
            }
        }
        JSON.writerWithDefaultPrettyPrinter()
                .writeValue(
                        dir.resolve(LABELS).toFile(), Map.of("classes", classes, "labels", labels));
    }

    public static LabelledWindows read(Path dir) throws IOException {
        Path windowsFile = dir.resolve(WINDOWS);
        Path labelsFile = dir.resolve(LABELS);
        if (!Files.isRegularFile(windowsFile) || !Files.isRegularFile(labelsFile)) {
            throw new IOException(
                    dir + " is not a dataset: it needs " + WINDOWS + " and " + LABELS);
        }
        List<AlignedWindow> windows = new ArrayList<>();
        try (DataFileReader<AlignedWindow> in =
                new DataFileReader<>(
                        windowsFile.toFile(), new SpecificDatumReader<>(AlignedWindow.class))) {
            for (AlignedWindow w : in) {
                windows.add(w);
            }
        }
        var doc = JSON.readTree(labelsFile.toFile());
        List<String> classes = new ArrayList<>();
        doc.path("classes").forEach(c -> classes.add(c.asText()));
        int[] labels = new int[doc.path("labels").size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = doc.path("labels").get(i).asInt();
        }
        try {
            return new LabelledWindows(classes, windows, labels);
        } catch (IllegalArgumentException e) {
            throw new IOException(dir + ": " + e.getMessage(), e);
        }
    }
}
