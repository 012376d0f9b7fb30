package io.avfuse.jobs.align;

import io.avfuse.schemas.AlignedWindow;
import io.avfuse.schemas.ModalityPresence;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The aligner's metrics, in the metric group {@code avfuse.align}; per modality in {@code
 * avfuse.align.modality.<m>} (a {@code modality} label in Prometheus): {@code recordsIn}, {@code
 * bytesIn} (payload: frame bytes, audio sample bytes, UTF-8 text, 8 per metadata feature), {@code
 * lateRecords}, {@code droppedRecords} (audio that does not fit its window; {@link
 * FutureRecordCounter} counts the sources' future-stamped records here too), {@code evicted},
 * {@code windowsMissing} and the histogram {@code alignSkewMs}.
 */
final class AlignerMetrics {
    /** Samples each histogram keeps (Flink's sliding window over the newest updates). */
    static final int HISTOGRAM_WINDOW = 1000;

    private final Map<Modality, Counter> recordsIn = new EnumMap<>(Modality.class);
    private final Map<Modality, Counter> bytesIn = new EnumMap<>(Modality.class);
    private final Map<Modality, Counter> late = new EnumMap<>(Modality.class);
    private final Map<Modality, Counter> dropped = new EnumMap<>(Modality.class);
    private final Map<Modality, Counter> evicted = new EnumMap<>(Modality.class);
    private final Map<Modality, Counter> windowsMissing = new EnumMap<>(Modality.class);
    private final Map<Modality, Histogram> skewMs = new EnumMap<>(Modality.class);
    private final Counter windowsEmitted;
    private final Counter windowsForced;
    private final Counter windowsFlushedIdle;
    private final Counter audioFormatMismatch;
    private final Counter streamsEnded;

    AlignerMetrics(MetricGroup parent) {
        MetricGroup group = parent.addGroup("avfuse").addGroup("align");
        for (Modality m : Modality.values()) {
            MetricGroup g = modalityGroup(parent, m);
            recordsIn.put(m, g.counter("recordsIn"));
            bytesIn.put(m, g.counter("bytesIn"));
            late.put(m, g.counter("lateRecords"));
            dropped.put(m, g.counter("droppedRecords"));
            evicted.put(m, g.counter("evicted"));
            windowsMissing.put(m, g.counter("windowsMissing"));
            skewMs.put(
                    m,
                    g.histogram(
                            "alignSkewMs", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW)));
        }
        windowsEmitted = group.counter("windowsEmitted");
        windowsForced = group.counter("windowsForcedByCap");
        windowsFlushedIdle = group.counter("windowsFlushedIdle");
        audioFormatMismatch = group.counter("audioFormatMismatch");
        streamsEnded = group.counter("streamsEnded");
    }

    /**
     * {@code avfuse.align.modality.<m>} under {@code parent}: shared with {@link
     * FutureRecordCounter}.
     */
    static MetricGroup modalityGroup(MetricGroup parent, Modality m) {
        return parent.addGroup("avfuse").addGroup("align").addGroup("modality", m.label());
    }

    void recordIn(ModalityEvent event) {
        Modality m = event.modality();
        recordsIn.get(m).inc();
        bytesIn.get(m).inc(event.payloadBytes());
    }

    void late(Modality m) {
        late.get(m).inc();
    }

    void flushedIdle() {
        windowsFlushedIdle.inc();
    }

    void forced() {
        windowsForced.inc();
    }

    /** An audio chunk whose rate or channels do not fit its window: dropped, not late. */
    void audioFormatMismatch() {
        audioFormatMismatch.inc();
        dropped.get(Modality.AUDIO).inc();
    }

    void streamEnded() {
        streamsEnded.inc();
    }

    /**
     * A window left the aligner. For every modality present, the skew is how far its newest event
     * time trails the stream's newest of any modality: what the tolerances have to absorb.
     */
    void emitted(AlignedWindow aligned, PendingWindow w, StreamProgress p) {
        windowsEmitted.inc();
        evicted.get(Modality.VIDEO).inc(w.framesEvicted);
        evicted.get(Modality.TEXT).inc(w.textsEvicted);
        ModalityPresence presence = aligned.getPresence();
        boolean[] present = {
            presence.getVideo(), presence.getAudio(), presence.getText(), presence.getMetadata()
        };
        long newest = p.newestSeen();
        for (Modality m : Modality.values()) {
            if (!present[m.ordinal()]) {
                windowsMissing.get(m).inc();
            } else if (p.lastSeen(m) != Long.MIN_VALUE) {
                skewMs.get(m).update((newest - p.lastSeen(m)) / 1000);
            }
        }
    }
}
