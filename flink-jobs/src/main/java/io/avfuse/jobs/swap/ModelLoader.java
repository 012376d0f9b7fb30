package io.avfuse.jobs.swap;

import io.avfuse.jobs.model.FusionInference;
import io.avfuse.jobs.model.ModelManifest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background half of a hot swap: a thread that reads the announcement feeds, loads and probes
 * each newly announced model on the subtask's device, and leaves it ready for the task thread to
 * switch in at its next checkpoint barrier. The task thread never waits for a load.
 *
 * <p>A model is refused (the serving one stays, {@code failures} counts it, {@link #failing} turns
 * true until a later load succeeds or the serving model is announced again) when its directory
 * cannot be read or loaded, its manifest names another version than the announcement, or its labels
 * or embedding size differ from the serving model's: consumers of the prediction and embedding
 * topics index scores by label and store embeddings by size, so those may not change under them
 * mid-stream (that takes a new job).
 *
 * <p>{@code loader.start(); ... loader.takeReady().ifPresent(r -> switchTo(r)); ...
 * loader.close();}
 */
public final class ModelLoader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelLoader.class);

    /** A loaded, probed model waiting for the next checkpoint barrier. */
    public record Ready(
            ModelAnnouncement announcement, FusionInference inference, ModelManifest manifest) {}

    private final ModelSwapSettings settings;
    private final String device;
    private final Counter failures;
    private final String name;
    private final AtomicReference<Ready> ready = new AtomicReference<>();
    private volatile String servingDir;
    private volatile ModelManifest servingManifest;
    private volatile boolean failing;
    private volatile boolean running;
    private Thread thread;

    // Loader thread only.
    private ModelAnnouncement target;
    private boolean attempted;

    /**
     * @param device where models are loaded, as the subtask's own ({@code cpu}, {@code gpu:0})
     * @param failures incremented on every refused announcement (from the loader thread)
     * @param name the subtask, for the thread name and logs
     */
    public ModelLoader(ModelSwapSettings settings, String device, Counter failures, String name) {
        this.settings = settings;
        this.device = device;
        this.failures = failures;
        this.name = name;
    }

    /** Tells the loader what the subtask serves now (at start and after every switch). */
    public void serving(String dir, ModelManifest manifest) {
        servingManifest = manifest;
        servingDir = dir;
    }

    /**
     * Counts a failure that happened outside the loader (a restored model that no longer loads).
     */
    public void failedElsewhere() {
        failures.inc();
        failing = true;
    }

    public boolean failing() {
        return failing;
    }

    /** Refused announcements so far. */
    public long failureCount() {
        return failures.getCount();
    }

    /** Whether a loaded model waits for the next checkpoint barrier. */
    public boolean hasReady() {
        return ready.get() != null;
    }

    /** The model loaded since the last call, if any; the caller owns (and closes) it. */
    public Optional<Ready> takeReady() {
        return Optional.ofNullable(ready.getAndSet(null));
    }

    public void start() {
        running = true;
        thread = new Thread(this::run, "avfuse-model-loader " + name);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        List<AnnouncementFeed> feeds = new ArrayList<>();
        try {
            feeds = settings.openFeeds();
            long intervalMs = settings.pollInterval().toMillis();
            while (running) {
                long start = System.currentTimeMillis();
                for (AnnouncementFeed feed : feeds) {
                    poll(feed);
                }
                if (target != null && !attempted && ready.get() == null) {
                    attempted = true;
                    consider(target);
                }
                long rest = intervalMs - (System.currentTimeMillis() - start);
                if (rest > 0 && running) {
                    Thread.sleep(rest);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error(
                    "{}: model loader stopped, no further model swaps: {}", name, e.toString(), e);
            failures.inc();
            failing = true;
        } finally {
            for (AnnouncementFeed feed : feeds) {
                try {
                    feed.close();
                } catch (RuntimeException e) {
                    LOG.warn("{}: closing an announcement feed: {}", name, e.toString());
                }
            }
        }
    }

    private void poll(AnnouncementFeed feed) {
        try {
            feed.poll(settings.pollInterval())
                    .ifPresent(
                            a -> {
                                target = a;
                                attempted = false;
                            });
        } catch (org.apache.kafka.common.errors.InterruptException e) {
            running = false;
        } catch (Exception e) {
            // A broker or file system hiccup: the serving model is untouched, try again next poll.
            LOG.warn("{}: cannot read model announcements: {}", name, e.toString());
        }
    }

    private void consider(ModelAnnouncement a) {
        if (a.problem() != null) {
            refuse(a, a.problem());
            return;
        }
        if (Path.of(a.dir()).equals(Path.of(servingDir))) {
            failing = false; // the serving model announced again: nothing is wrong any more
            return;
        }
        long startMs = System.currentTimeMillis();
        ModelManifest next;
        try {
            next = ModelManifest.read(Path.of(a.dir()));
        } catch (Exception e) {
            refuse(a, reason(e));
            return;
        }
        String incompatible = incompatibility(a, next, servingManifest);
        if (incompatible != null) {
            refuse(a, incompatible);
            return;
        }
        FusionInference inference = new FusionInference(Path.of(a.dir()));
        try {
            // 0 threads: libtorch's pool is per process and the subtask has already sized it.
            inference.open(device, 0);
        } catch (Exception e) {
            refuse(a, reason(e));
            return;
        }
        ready.set(new Ready(a, inference, next));
        failing = false;
        LOG.info(
                "{}: model {} from {} ({}) loaded and probed in {} ms; it serves from the next checkpoint",
                name,
                next.version(),
                a.dir(),
                a.origin(),
                System.currentTimeMillis() - startMs);
    }

    /** Why {@code next} may not replace {@code serving}, or null. */
    static String incompatibility(ModelAnnouncement a, ModelManifest next, ModelManifest serving) {
        if (a.version() != null && !a.version().equals(next.version())) {
            return "announced as version '"
                    + a.version()
                    + "' but its manifest says '"
                    + next.version()
                    + "'";
        }
        if (!next.labels().equals(serving.labels())) {
            return "its labels "
                    + next.labels()
                    + " differ from the serving model's "
                    + serving.labels()
                    + " (scores would change meaning under the consumers; that takes a new job)";
        }
        if (next.embedding() != serving.embedding()) {
            return "its embedding size "
                    + next.embedding()
                    + " differs from the serving model's "
                    + serving.embedding()
                    + " (stored embeddings would mix sizes; that takes a new job)";
        }
        return null;
    }

    /** The message, and the root cause where the message alone does not say it. */
    static String reason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = String.valueOf(e.getMessage());
        boolean said =
                root == e || (root.getMessage() != null && message.contains(root.getMessage()));
        return said ? message : message + " (caused by " + root + ")";
    }

    private void refuse(ModelAnnouncement a, String reason) {
        failures.inc();
        failing = true;
        LOG.error(
                "{}: model {} announced by {} not loaded, {} keeps serving: {}",
                name,
                a.dir() == null ? "(none)" : a.dir(),
                a.origin(),
                servingManifest.version(),
                reason);
    }

    /** Stops the thread and closes a model it loaded that was never switched in. */
    @Override
    public void close() throws Exception {
        running = false;
        if (thread != null) {
            thread.join(Duration.ofSeconds(10).toMillis());
            if (thread.isAlive()) {
                thread.interrupt();
                thread.join(Duration.ofSeconds(5).toMillis());
            }
        }
        Optional<Ready> unused = takeReady();
        if (unused.isPresent()) {
            unused.get().inference().close();
        }
    }
}
