package io.avfuse.jobs.align;

import io.avfuse.schemas.AlignedWindow;
import io.avfuse.schemas.ModalityPresence;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/** The aligner's counters, in the metric group {@code avfuse.align[.modality.<m>]}. */
final class AlignerMetrics {
    private final Map<Modality, Counter> recordsIn = new EnumMap<>(Modality.class);
    private final Map<Modality, Counter> late = new EnumMap<>(Modality.class);
    private final Map<Modality, Counter> evicted = new EnumMap<>(Modality.class);
    private final Map<Modality, Counter> windowsMissing = new EnumMap<>(Modality.class);
    private final Counter windowsEmitted;
    private final Counter windowsForced;
    private final Counter windowsFlushedIdle;
    private final Counter audioFormatMismatch;
    private final Counter streamsEnded;

    AlignerMetrics(MetricGroup parent) {
        MetricGroup group = parent.addGroup("avfuse").addGroup("align");
        for (Modality m : Modality.values()) {
            MetricGroup g = group.addGroup("modality", m.label());
            recordsIn.put(m, g.counter("recordsIn"));
            late.put(m, g.counter("lateRecords"));
            evicted.put(m, g.counter("evicted"));
            windowsMissing.put(m, g.counter("windowsMissing"));
        }
        windowsEmitted = group.counter("windowsEmitted");
        windowsForced = group.counter("windowsForcedByCap");
        windowsFlushedIdle = group.counter("windowsFlushedIdle");
        audioFormatMismatch = group.counter("audioFormatMismatch");
        streamsEnded = group.counter("streamsEnded");
    }

    void recordIn(Modality m) {
        recordsIn.get(m).inc();
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

    void audioFormatMismatch() {
        audioFormatMismatch.inc();
    }

    void streamEnded() {
        streamsEnded.inc();
    }

    void emitted(AlignedWindow aligned, PendingWindow w) {
        windowsEmitted.inc();
        evicted.get(Modality.VIDEO).inc(w.framesEvicted);
        evicted.get(Modality.TEXT).inc(w.textsEvicted);
        ModalityPresence p = aligned.getPresence();
        boolean[] present = {p.getVideo(), p.getAudio(), p.getText(), p.getMetadata()};
        for (Modality m : Modality.values()) {
            if (!present[m.ordinal()]) {
                windowsMissing.get(m).inc();
            }
        }
    }
}
