package io.avfuse.jobs.swap;

import java.time.Duration;
import java.util.Optional;

/**
 * Where new model versions are announced. Polled by one loader thread per inference subtask, so
 * every subtask sees every announcement; an implementation is used by that thread only.
 *
 * <p>{@code feed.poll(Duration.ofSeconds(1)).ifPresent(loader::load);}
 */
public interface AnnouncementFeed extends AutoCloseable {
    /**
     * The newest announcement, when one arrived since the last poll (the first poll reports what
     * the feed already holds); empty otherwise. May block up to {@code wait}.
     */
    Optional<ModelAnnouncement> poll(Duration wait) throws Exception;

    @Override
    void close();
}
