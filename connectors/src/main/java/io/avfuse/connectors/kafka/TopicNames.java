package io.avfuse.connectors.kafka;

import java.io.Serializable;
import java.util.List;

/**
 * The avfuse topics. Every name is configurable; {@link #defaults()} are the names the demo, the
 * broker launcher and the docs use.
 *
 * <p>{@code TopicNames.defaults().withPrefix("staging.")}
 */
public record TopicNames(
        String videoFrames,
        String audioChunks,
        String textEvents,
        String predictions,
        String embeddings,
        String deadLetter,
        String aligned,
        String control)
        implements Serializable {

    public static TopicNames defaults() {
        return new TopicNames(
                "av.video.frames",
                "av.audio.chunks",
                "av.text.events",
                "av.predictions",
                "av.embeddings",
                "av.deadletter",
                "av.aligned",
                "av.control");
    }

    /** The same names with {@code prefix} in front, for several deployments on one cluster. */
    public TopicNames withPrefix(String prefix) {
        return new TopicNames(
                prefix + videoFrames,
                prefix + audioChunks,
                prefix + textEvents,
                prefix + predictions,
                prefix + embeddings,
                prefix + deadLetter,
                prefix + aligned,
                prefix + control);
    }

    public List<String> all() {
        return List.of(
                videoFrames,
                audioChunks,
                textEvents,
                predictions,
                embeddings,
                deadLetter,
                aligned,
                control);
    }
}
