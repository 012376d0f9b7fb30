package io.avfuse.jobs.swap;

import io.avfuse.jobs.model.ModelManifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Announcements as directories: the subdirectory of {@code root} with the greatest name that holds
 * a {@code manifest.json} is the model to serve. Names should sort by version ({@code v0007},
 * {@code 2026-11-03T1200}). Hidden names (a leading {@code .}) are skipped, so a model is written
 * under {@code .v0007.tmp} and renamed to {@code v0007} when complete: the rename is atomic and a
 * half-written model is never seen.
 *
 * <p>{@code try (var feed = new WatchedDirectoryFeed(Path.of("/models/live"))) { feed.poll(wait);
 * }}
 */
public final class WatchedDirectoryFeed implements AnnouncementFeed {
    private final Path root;
    private Path reported;

    public WatchedDirectoryFeed(Path root) {
        this.root = root;
    }

    @Override
    public Optional<ModelAnnouncement> poll(Duration wait) {
        Optional<Path> newest = newest();
        if (newest.isEmpty() || newest.get().equals(reported)) {
            return Optional.empty();
        }
        reported = newest.get();
        return Optional.of(
                new ModelAnnouncement(reported.toString(), null, "watched directory " + root));
    }

    private Optional<Path> newest() {
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> children = Files.list(root)) {
            return children.filter(d -> !d.getFileName().toString().startsWith("."))
                    .filter(d -> Files.isRegularFile(d.resolve(ModelManifest.FILE)))
                    .max(Comparator.comparing(d -> d.getFileName().toString()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the watched model directory " + root, e);
        }
    }

    @Override
    public void close() {}
}
