package io.avfuse.jobs.swap;

import io.avfuse.jobs.infer.BatchInference;
import io.avfuse.jobs.model.FusionInference;
import io.avfuse.jobs.model.ModelManifest;
import io.avfuse.schemas.AlignedWindow;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model a hot-swapping subtask serves: a {@link FusionInference} that the operator replaces
 * between batches. Opens the restored model directory when there is one (so a restore serves the
 * version it checkpointed), else the configured one.
 *
 * <p>{@code FusionInference old = model.switchTo(dir, next, manifest); old.close();}
 */
final class SwappableInference
        implements BatchInference<AlignedWindow, io.avfuse.jobs.model.Scored> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(SwappableInference.class);

    private final String configuredDir;
    private transient String restoredDir;
    private transient String restoreProblem;
    private transient String device;
    private transient String activeDir;
    private transient ModelManifest manifest;
    private transient FusionInference current;

    SwappableInference(Path configuredDir) {
        this.configuredDir = configuredDir.toString();
    }

    String configuredDir() {
        return configuredDir;
    }

    /** Open {@code dir} instead of the configured directory (called before {@link #open}). */
    void restoreFrom(String dir) {
        restoredDir = dir;
    }

    @Override
    public void open(String device, int cpuThreads) throws Exception {
        this.device = device;
        if (restoredDir != null && !restoredDir.equals(configuredDir)) {
            try {
                start(restoredDir, cpuThreads);
                LOG.info("serving the restored model {} ({})", manifest.version(), restoredDir);
                return;
            } catch (Exception e) {
                restoreProblem = e.getMessage();
                LOG.error(
                        "the checkpointed model {} no longer loads, serving the configured {}"
                                + " instead: {}",
                        restoredDir,
                        configuredDir,
                        restoreProblem);
            }
        }
        start(configuredDir, cpuThreads);
    }

    private void start(String dir, int cpuThreads) throws Exception {
        ModelManifest m = ModelManifest.read(Path.of(dir));
        FusionInference f = new FusionInference(Path.of(dir));
        f.open(device, cpuThreads);
        current = f;
        manifest = m;
        activeDir = dir;
    }

    /** Why the restored model could not be served, or null. */
    String restoreProblem() {
        return restoreProblem;
    }

    String device() {
        return device;
    }

    String activeDir() {
        return activeDir;
    }

    ModelManifest manifest() {
        return manifest;
    }

    /** Serves {@code next} from now on; returns the model it replaces, for the caller to close. */
    FusionInference switchTo(String dir, FusionInference next, ModelManifest nextManifest) {
        FusionInference old = current;
        current = next;
        manifest = nextManifest;
        activeDir = dir;
        return old;
    }

    @Override
    public List<io.avfuse.jobs.model.Scored> infer(List<AlignedWindow> batch) throws Exception {
        return current.infer(batch);
    }

    @Override
    public void close() {
        if (current != null) {
            current.close();
        }
    }
}
