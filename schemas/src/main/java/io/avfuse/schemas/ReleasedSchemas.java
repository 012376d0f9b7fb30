package io.avfuse.schemas;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * The record schemas of every released avfuse version, read from the schemas jar. Decoders register
 * them so that records written by older producers still resolve.
 *
 * <p>{@code ReleasedSchemas.of(VideoFrame.getClassSchema().getFullName())}
 */
public final class ReleasedSchemas {
    private static final String ROOT = "io/avfuse/schemas/released/";
    private static final Map<String, List<Schema>> BY_NAME = load();

    private ReleasedSchemas() {}

    /** Every released schema with this full name, oldest version first. */
    public static List<Schema> of(String fullName) {
        return BY_NAME.getOrDefault(fullName, List.of());
    }

    private static Map<String, List<Schema>> load() {
        List<String> paths = readIndex();
        Map<String, List<String>> byVersion = new LinkedHashMap<>();
        for (String path : paths) {
            byVersion
                    .computeIfAbsent(path.substring(0, path.indexOf('/')), v -> new ArrayList<>())
                    .add(path);
        }
        Map<String, List<Schema>> byName = new LinkedHashMap<>();
        for (List<String> files : byVersion.values()) {
            // One parser per version: named types resolve within a version; shared types first.
            Schema.Parser parser = new Schema.Parser();
            files.stream()
                    .sorted(
                            Comparator.comparingInt((String p) -> -p.split("/").length)
                                    .thenComparing(p -> p))
                    .forEach(
                            file -> {
                                Schema schema = parse(parser, file);
                                if (schema.getType() == Schema.Type.RECORD) {
                                    byName.computeIfAbsent(
                                                    schema.getFullName(), n -> new ArrayList<>())
                                            .add(schema);
                                }
                            });
        }
        return byName;
    }

    private static List<String> readIndex() {
        try (InputStream in = resource("index.txt");
                BufferedReader reader =
                        new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            return reader.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Schema parse(Schema.Parser parser, String file) {
        try (InputStream in = resource(file)) {
            return parser.parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse released schema " + file, e);
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = ReleasedSchemas.class.getClassLoader().getResourceAsStream(ROOT + name);
        if (in == null) {
            throw new IOException("missing resource " + ROOT + name);
        }
        return in;
    }
}
