package io.avfuse.schemas.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.avfuse.schemas.ReleasedSchemas;
import io.avfuse.schemas.VideoFrame;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaCompatibilityCheckTest {
    private static final Path RELEASED = Path.of("released");
    private static final Path CURRENT = Path.of("src/main/avro");

    @TempDir Path tmp;

    @Test
    void currentSchemasAreCompatibleWithEveryRelease() {
        assertThat(SchemaCompatibilityCheck.check(RELEASED, CURRENT)).isEmpty();
    }

    @Test
    void addingAFieldWithADefaultPasses() throws IOException {
        Path current = copyOfCurrent();
        edit(
                current.resolve("VideoFrame.avsc"),
                "{\"name\": \"data\", \"type\": \"bytes\"}",
                "{\"name\": \"data\", \"type\": \"bytes\"},\n"
                        + "    {\"name\": \"rotation\", \"type\": \"int\", \"default\": 0}");
        assertThat(SchemaCompatibilityCheck.check(RELEASED, current)).isEmpty();
    }

    @Test
    void addingAFieldWithoutADefaultFails() throws IOException {
        Path current = copyOfCurrent();
        edit(
                current.resolve("VideoFrame.avsc"),
                "{\"name\": \"data\", \"type\": \"bytes\"}",
                "{\"name\": \"data\", \"type\": \"bytes\"},\n"
                        + "    {\"name\": \"rotation\", \"type\": \"int\"}");
        List<SchemaCompatibilityCheck.Incompatibility> problems =
                SchemaCompatibilityCheck.check(RELEASED, current);
        assertThat(problems)
                .singleElement()
                .satisfies(
                        p -> {
                            assertThat(p.schema()).isEqualTo("io.avfuse.schemas.VideoFrame");
                            assertThat(p.direction()).isEqualTo("new reader cannot read old data");
                            assertThat(p.detail()).contains("rotation");
                        });
    }

    @Test
    void removingAFieldWithoutADefaultFails() throws IOException {
        Path current = copyOfCurrent();
        edit(
                current.resolve("AudioChunk.avsc"),
                "    {\"name\": \"chunkIndex\", \"type\": \"long\", \"doc\": \"0-based sequence"
                        + " number of the chunk within the stream.\"},\n",
                "");
        List<SchemaCompatibilityCheck.Incompatibility> problems =
                SchemaCompatibilityCheck.check(RELEASED, current);
        assertThat(problems)
                .singleElement()
                .satisfies(
                        p -> {
                            assertThat(p.schema()).isEqualTo("io.avfuse.schemas.AudioChunk");
                            assertThat(p.direction()).isEqualTo("old reader cannot read new data");
                            assertThat(p.detail()).contains("chunkIndex");
                        });
        assertThatThrownBy(
                        () ->
                                SchemaCompatibilityCheck.main(
                                        new String[] {
                                            "--released", RELEASED.toString(),
                                            "--current", current.toString()
                                        }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("AudioChunk")
                .hasMessageContaining("would break existing readers or writers");
    }

    @Test
    void removingAFieldThatHasADefaultPasses() throws IOException {
        Path current = copyOfCurrent();
        edit(
                current.resolve("TextEvent.avsc"),
                "    {\"name\": \"durationUs\", \"type\": \"long\", \"default\": 0, \"doc\": \"How"
                        + " long the text applies (a caption's display time); 0 when it is an"
                        + " instant.\"},\n",
                "");
        assertThat(SchemaCompatibilityCheck.check(RELEASED, current)).isEmpty();
    }

    @Test
    void removingAWholeSchemaFails() throws IOException {
        Path current = copyOfCurrent();
        Files.delete(current.resolve("Embedding.avsc"));
        assertThat(SchemaCompatibilityCheck.check(RELEASED, current))
                .extracting(SchemaCompatibilityCheck.Incompatibility::direction)
                .containsExactly("removed");
    }

    @Test
    void releasedSchemasShipInTheJarAndMatchTheFolder() {
        assertThat(ReleasedSchemas.of(VideoFrame.getClassSchema().getFullName()))
                .isNotEmpty()
                .first()
                .isEqualTo(
                        SchemaCompatibilityCheck.parseRecords(RELEASED.resolve("0.1.0"))
                                .get("io.avfuse.schemas.VideoFrame"));
        long filesOnDisk;
        try (var walk = Files.walk(RELEASED)) {
            filesOnDisk = walk.filter(p -> p.toString().endsWith(".avsc")).count();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        long indexed;
        try {
            indexed =
                    Files.readAllLines(RELEASED.resolve("index.txt")).stream()
                            .filter(l -> !l.isBlank())
                            .count();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertThat(indexed)
                .as("released/index.txt lists every released .avsc")
                .isEqualTo(filesOnDisk);
    }

    private Path copyOfCurrent() throws IOException {
        Path dest = tmp.resolve("current");
        try (var walk = Files.walk(CURRENT)) {
            for (Path p : walk.toList()) {
                Path target = dest.resolve(CURRENT.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        return dest;
    }

    private static void edit(Path file, String from, String to) throws IOException {
        String text = Files.readString(file);
        assertThat(text).as("fixture text in %s", file).contains(from);
        Files.writeString(file, text.replace(from, to));
    }
}
