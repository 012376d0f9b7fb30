package io.avfuse.schemas.compat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;

/**
 * The build's schema gate: every record schema in the current source tree must be fully compatible
 * (old readers read new data, new readers read old data) with each released version kept under
 * {@code schemas/released/<version>/}.
 *
 * <p>{@code java SchemaCompatibilityCheck --released schemas/released --current
 * schemas/src/main/avro}
 */
public final class SchemaCompatibilityCheck {

    /** One way in which a current schema breaks a released one. */
    public record Incompatibility(String version, String schema, String direction, String detail) {
        @Override
        public String toString() {
            return schema + " (released " + version + "): " + direction + ": " + detail;
        }
    }

    private SchemaCompatibilityCheck() {}

    public static void main(String[] args) {
        Path released = null;
        Path current = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--released" -> released = Path.of(args[++i]);
                case "--current" -> current = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (released == null || current == null) {
            throw new IllegalArgumentException("usage: --released DIR --current DIR");
        }
        List<Incompatibility> problems = check(released, current);
        if (!problems.isEmpty()) {
            StringBuilder msg =
                    new StringBuilder("Schema changes would break existing readers or writers:\n");
            problems.forEach(p -> msg.append("  - ").append(p).append('\n'));
            msg.append(
                    "Add new fields with a default, never remove or retype a field without one,"
                            + " and never remove a schema. See schemas/released/README.md.");
            throw new IllegalStateException(msg.toString());
        }
        System.out.println(
                "[avfuse] schemas compatible with every released version under " + released);
    }

    /** Compares {@code currentDir} with every version directory below {@code releasedRoot}. */
    public static List<Incompatibility> check(Path releasedRoot, Path currentDir) {
        Map<String, Schema> current = parseRecords(currentDir);
        List<Incompatibility> problems = new ArrayList<>();
        for (Path versionDir : versionDirs(releasedRoot)) {
            String version = versionDir.getFileName().toString();
            for (Schema old : parseRecords(versionDir).values()) {
                Schema now = current.get(old.getFullName());
                if (now == null) {
                    problems.add(
                            new Incompatibility(
                                    version,
                                    old.getFullName(),
                                    "removed",
                                    "the schema no longer exists"));
                    continue;
                }
                compare(now, old, version, "new reader cannot read old data", problems);
                compare(old, now, version, "old reader cannot read new data", problems);
            }
        }
        return problems;
    }

    private static void compare(
            Schema reader,
            Schema writer,
            String version,
            String direction,
            List<Incompatibility> problems) {
        SchemaPairCompatibility result =
                SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        if (result.getType() != SchemaCompatibilityType.COMPATIBLE) {
            result.getResult()
                    .getIncompatibilities()
                    .forEach(
                            i ->
                                    problems.add(
                                            new Incompatibility(
                                                    version,
                                                    reader.getFullName(),
                                                    direction,
                                                    i.getType()
                                                            + " at "
                                                            + i.getLocation()
                                                            + ": "
                                                            + i.getMessage())));
        }
    }

    private static List<Path> versionDirs(Path releasedRoot) {
        try (Stream<Path> dirs = Files.list(releasedRoot)) {
            return dirs.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list released schemas in " + releasedRoot, e);
        }
    }

    /**
     * Parses every {@code .avsc} below {@code dir} with one parser, shared types first (files in
     * sub-directories), and returns the record schemas by full name.
     */
    public static Map<String, Schema> parseRecords(Path dir) {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files =
                    walk.filter(p -> p.toString().endsWith(".avsc"))
                            .sorted(
                                    Comparator.comparingInt((Path p) -> -p.getNameCount())
                                            .thenComparing(Path::toString))
                            .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read schemas in " + dir, e);
        }
        Schema.Parser parser = new Schema.Parser();
        Map<String, Schema> records = new LinkedHashMap<>();
        for (Path file : files) {
            try {
                Schema schema = parser.parse(file.toFile());
                if (schema.getType() == Schema.Type.RECORD) {
                    records.put(schema.getFullName(), schema);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot parse " + file, e);
            }
        }
        return records;
    }
}
