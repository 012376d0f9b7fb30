package io.avfuse.connectors.ingest;

import java.io.PrintStream;
import java.util.function.Consumer;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar per stream on stderr (frames, audio seconds, MB/s), or nothing when disabled.
 *
 * <p>{@code try (ProgressDisplay p = ProgressDisplay.on(System.err, "cam", 270)) {
 * ingest.run(p::update); }}
 */
public final class ProgressDisplay implements AutoCloseable, Consumer<IngestStats> {
    private final ProgressBar bar;

    private ProgressDisplay(ProgressBar bar) {
        this.bar = bar;
    }

    /** A bar for one stream; {@code totalFrames} 0 or less when the length is unknown. */
    public static ProgressDisplay on(PrintStream err, String streamId, long totalFrames) {
        ProgressBar bar =
                new ProgressBarBuilder()
                        .setTaskName(streamId)
                        .setInitialMax(totalFrames > 0 ? totalFrames : -1)
                        .setStyle(ProgressBarStyle.ASCII)
                        .setUnit(" frames", 1)
                        .setUpdateIntervalMillis(250)
                        .setConsumer(new ConsoleProgressBarConsumer(err))
                        .continuousUpdate()
                        .build();
        return new ProgressDisplay(bar);
    }

    public static ProgressDisplay none() {
        return new ProgressDisplay(null);
    }

    @Override
    public void accept(IngestStats stats) {
        if (bar != null) {
            if (bar.getMax() > 0 && stats.frames() > bar.getMax()) {
                bar.maxHint(stats.frames());
            }
            bar.stepTo(stats.frames());
            bar.setExtraMessage(stats.progressLine());
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
