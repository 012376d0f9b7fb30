package io.avfuse.jobs.swap;

import io.avfuse.connectors.kafka.KafkaConnection;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a running job learns of new model versions: a Kafka control topic, a watched directory,
 * both, or neither (the job serves {@code model.dir} for ever).
 *
 * <p>{@code new ModelSwapSettings(kafka, "av.models", null, Duration.ofSeconds(1))}
 *
 * @param kafka the cluster holding {@code controlTopic} (unused without one)
 * @param controlTopic control topic, or null
 * @param watchDir watched directory, or null
 * @param pollInterval how often the feeds are read
 */
public record ModelSwapSettings(
        KafkaConnection kafka, String controlTopic, String watchDir, Duration pollInterval)
        implements Serializable {
    public ModelSwapSettings {
        if (controlTopic != null && kafka == null) {
            throw new IllegalArgumentException("a control topic needs a Kafka connection");
        }
        if (pollInterval == null || pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException(
                    "the poll interval must be positive: " + pollInterval);
        }
    }

    /** No announcements: the configured model serves until the job stops. */
    public static ModelSwapSettings none() {
        return new ModelSwapSettings(null, null, null, Duration.ofSeconds(1));
    }

    public boolean enabled() {
        return controlTopic != null || watchDir != null;
    }

    /**
     * The configured feeds, newly opened. When both announce, the one that announced last wins; at
     * start the control topic's newest announcement is read after the directory's.
     */
    List<AnnouncementFeed> openFeeds() {
        List<AnnouncementFeed> feeds = new ArrayList<>(2);
        if (watchDir != null) {
            feeds.add(new WatchedDirectoryFeed(Path.of(watchDir)));
        }
        if (controlTopic != null) {
            feeds.add(new ControlTopicFeed(kafka, controlTopic));
        }
        return feeds;
    }
}
