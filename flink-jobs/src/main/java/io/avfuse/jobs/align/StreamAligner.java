package io.avfuse.jobs.align;

import io.avfuse.connectors.serde.AvroLimits;
import io.avfuse.schemas.AlignedWindow;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.SampleFormat;
import io.avfuse.schemas.TextEvent;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Aligns one stream's video, audio, text and metadata into event-time windows (keyed by stream id).
 * A window is emitted once the watermark has passed its end plus the tolerance of every modality
 * that is still alive for the stream; a modality silent for longer than its timeout is dead, no
 * longer holds windows back, and is marked missing in windows that lack it. Records behind the
 * watermark by more than their tolerance go to {@link #LATE} and never touch an emitted window.
 * State is capped per stream and cleared when the stream ends. A stream that sends nothing for the
 * idle-flush time (wall clock) has its pending windows emitted without the watermark, because a
 * watermark stops moving when every source goes quiet; run as {@link AlignerOperator}, only once
 * the whole input is idle too.
 *
 * <p>{@code events.keyBy(ModalityEvent::streamId).process(new StreamAligner(config))}
 */
public class StreamAligner extends KeyedProcessFunction<String, ModalityEvent, AlignedWindow> {
    private static final long serialVersionUID = 1L;

    /** Records that arrived after every window they belong to was complete. */
    public static final OutputTag<ModalityEvent> LATE =
            new OutputTag<>("late-records", TypeInformation.of(ModalityEvent.class));

    /** Audio chunks whose rate or channel count does not fit the window they fall into. */
    public static final OutputTag<ModalityEvent> REJECTED_AUDIO =
            new OutputTag<>("rejected-audio", TypeInformation.of(ModalityEvent.class));

    /** Longest span a caption may claim, in windows: a bad duration must not fan out. */
    static final int MAX_TEXT_SPAN_WINDOWS = 16;

    /** Windows with only text or metadata may be pending at this many times the cap. */
    static final int TEXT_ONLY_FACTOR = 8;

    static {
        // Flink restores PendingWindow state (Avro frames) before open(): trust must come first.
        AvroLimits.ensure();
    }

    private final AlignerConfig config;
    private final long maxTimeoutUs;
    private final long maxToleranceUs;
    private boolean flushOnlyWhenInputIdle;

    private transient MapState<Long, PendingWindow> windows;
    private transient ValueState<StreamProgress> progress;
    private transient AlignerMetrics metrics;
    private transient long openedAtMs;
    private transient boolean inputIdle;

    public StreamAligner(AlignerConfig config) {
        this.config = config;
        long timeout = 0;
        long tolerance = 0;
        for (Modality m : Modality.values()) {
            timeout = Math.max(timeout, config.timeout(m));
            tolerance = Math.max(tolerance, config.tolerance(m));
        }
        this.maxTimeoutUs = timeout;
        this.maxToleranceUs = tolerance;
    }

    /**
     * Makes the idle flush wait until the operator's whole input is idle (see {@link
     * AlignerOperator}, which reports it); without it, a stream's wall-clock silence alone is
     * enough, which also fires when the job falls behind and a stream's records are still queued.
     */
    StreamAligner flushingOnlyWhenInputIdle() {
        flushOnlyWhenInputIdle = true;
        return this;
    }

    /** Whether every input channel is idle now (every upstream source has gone quiet). */
    void inputIdle(boolean idle) {
        inputIdle = idle;
    }

    @Override
    public void open(OpenContext openContext) {
        AvroLimits.ensure(); // before Flink's Avro serializer sees a record in this task
        windows = getRuntimeContext().getMapState(pendingWindowsState());
        progress =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "stream-progress",
                                        TypeInformation.of(StreamProgress.class)));
        metrics = new AlignerMetrics(getRuntimeContext().getMetricGroup());
        openedAtMs = Long.MIN_VALUE; // set by the first record or timer of this task
    }

    /**
     * One map of pending windows per stream, keyed by window start. Restores state of the POJO
     * layout avfuse wrote before {@link PendingWindowSerializer} (see its snapshot); tests override
     * this to write that layout.
     */
    MapStateDescriptor<Long, PendingWindow> pendingWindowsState() {
        return new MapStateDescriptor<>(
                "pending-windows", LongSerializer.INSTANCE, new PendingWindowSerializer());
    }

    /** Processing time of this task's first callback: its start, as timers and records see it. */
    private long startedAt(long now) {
        if (openedAtMs == Long.MIN_VALUE) {
            openedAtMs = now;
        }
        return openedAtMs;
    }

    @Override
    public void processElement(ModalityEvent event, Context ctx, Collector<AlignedWindow> out)
            throws Exception {
        Modality m = event.modality();
        long t = event.eventTimeUs();
        StreamProgress stored = progress.value();
        StreamProgress p = stored != null ? stored : new StreamProgress();
        long watermarkUs = watermarkUs(ctx.timerService().currentWatermark());
        metrics.recordIn(event);

        if (m == Modality.AUDIO && !WindowAssembler.fits(event.audio, config.windowUs())) {
            metrics.audioFormatMismatch();
            ctx.output(REJECTED_AUDIO, event);
            return;
        }
        boolean added = false;
        boolean rejected = false;
        boolean created = false;
        for (long s : spannedWindowStarts(event)) {
            long end = s + config.windowUs();
            if (end <= p.emittedUpToUs || watermarkUs >= end + config.tolerance(m)) {
                continue; // that window is complete for this modality
            }
            PendingWindow w = windows.get(s);
            boolean isNew = w == null;
            if (isNew) {
                w = new PendingWindow(s);
            }
            boolean hadMedia = w.holdsMedia();
            if (!add(w, event, m)) {
                rejected = true;
                continue;
            }
            if (isNew) {
                registerTimers(ctx, end);
            }
            // The cap counts windows with media: a text-only window that gains some counts now.
            created |= isNew || (!hadMedia && w.holdsMedia());
            added = true;
            windows.put(s, w);
        }
        if (!added && stored == null) {
            // A stream with no state that sends only unusable records gets none.
            emitRejected(ctx, event, m, rejected);
            return;
        }
        p.seen(m, t);
        scheduleIdleFlush(ctx, p);
        progress.update(p);
        scheduleCleanup(ctx, p);
        if (!added) {
            emitRejected(ctx, event, m, rejected);
            return;
        }
        if (created) {
            enforcePendingCap(ctx, p, out);
        }
    }

    private void emitRejected(Context ctx, ModalityEvent event, Modality m, boolean format) {
        if (format) {
            metrics.audioFormatMismatch();
            ctx.output(REJECTED_AUDIO, event);
        } else {
            metrics.late(m);
            ctx.output(LATE, event);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AlignedWindow> out)
            throws Exception {
        StreamProgress p = progress.value();
        if (p == null) {
            return;
        }
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME) {
            flushIfIdle(ctx, p, out);
            return;
        }
        long watermarkUs = watermarkUs(ctx.timerService().currentWatermark());
        for (long s : readyPendingStarts(p, watermarkUs)) {
            emit(ctx, ctx.getCurrentKey(), s, p, out);
        }
        if (windows.isEmpty() && watermarkUs >= cleanupAtUs(p)) {
            progress.clear();
            metrics.streamEnded();
        } else {
            progress.update(p);
        }
    }

    private long idleFlushMs() {
        return config.idleFlushUs() / 1000;
    }

    private void scheduleIdleFlush(Context ctx, StreamProgress p) {
        long idleMs = idleFlushMs();
        if (idleMs <= 0) {
            return;
        }
        long now = ctx.timerService().currentProcessingTime();
        startedAt(now);
        p.lastArrivalMs = now;
        p.watermarkAtArrivalMs = ctx.timerService().currentWatermark();
        // Whole seconds: one timer per stream per second, not one per record.
        ctx.timerService()
                .registerProcessingTimeTimer(Math.floorDiv(now + idleMs + 999, 1000) * 1000);
    }

    /** Emits every pending window of a stream that has sent nothing for the idle-flush time. */
    private void flushIfIdle(OnTimerContext ctx, StreamProgress p, Collector<AlignedWindow> out)
            throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        // Silence counts from this task's start too: after a restore, overdue timers fire before
        // Kafka has replayed anything.
        long quietSince = Math.max(p.lastArrivalMs, startedAt(now));
        if (now - quietSince < config.idleFlushUs() / 1000) {
            if (p.lastArrivalMs < openedAtMs) {
                ctx.timerService().registerProcessingTimeTimer(quietSince + idleFlushMs());
            }
            return; // a newer record scheduled a later timer
        }
        if (flushOnlyWhenInputIdle && !inputIdle) {
            // Records are still flowing into this task, or its sources are behind: the silence
            // may be the job's lag, not the stream's end. Look again shortly.
            ctx.timerService().registerProcessingTimeTimer(now + Math.min(idleFlushMs(), 1_000));
            return;
        }
        long watermark = ctx.timerService().currentWatermark();
        if (watermark != p.watermarkAtArrivalMs) {
            // The watermark moved during the silence: wait one more period to see it stop, or
            // let it complete the windows the normal way.
            p.watermarkAtArrivalMs = watermark;
            progress.update(p);
            ctx.timerService().registerProcessingTimeTimer(now + idleFlushMs());
            return;
        }
        for (long s : sortedPendingStarts()) {
            emit(ctx, ctx.getCurrentKey(), s, p, out);
            metrics.flushedIdle();
        }
        progress.update(p);
    }

    /**
     * When a stream's state may go: every modality dead, and every emitted window closed for every
     * modality (a record for it is late by the watermark alone, so it cannot re-create it).
     */
    private long cleanupAtUs(StreamProgress p) {
        long newest = p.newestSeen();
        long dead = newest == Long.MIN_VALUE ? Long.MIN_VALUE : saturatedAdd(newest, maxTimeoutUs);
        long closed =
                p.emittedUpToUs == Long.MIN_VALUE
                        ? Long.MIN_VALUE
                        : saturatedAdd(p.emittedUpToUs, maxToleranceUs);
        return Math.max(dead, closed);
    }

    /**
     * Rounded up to whole seconds, so a stream holds a handful of cleanup timers, not one per
     * record.
     */
    private void scheduleCleanup(Context ctx, StreamProgress p) {
        long at = cleanupAtUs(p);
        if (at != Long.MIN_VALUE && at != Long.MAX_VALUE) {
            long ms = timerMs(at);
            ctx.timerService().registerEventTimeTimer(Math.floorDiv(ms + 999, 1000) * 1000);
        }
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : r;
    }

    /** Complete when every modality still alive has had its tolerance past the window end. */
    private boolean ready(long start, StreamProgress p, long watermarkUs) {
        long end = start + config.windowUs();
        for (Modality m : Modality.values()) {
            long last = p.lastSeen(m);
            boolean alive = last != Long.MIN_VALUE && last >= watermarkUs - config.timeout(m);
            if (alive && watermarkUs < end + config.tolerance(m)) {
                return false;
            }
        }
        return true;
    }

    private void emit(
            Context ctx, String key, long start, StreamProgress p, Collector<AlignedWindow> out)
            throws Exception {
        PendingWindow w = windows.get(start);
        AlignedWindow aligned =
                WindowAssembler.assemble(key, w, p, config, System.currentTimeMillis() * 1000);
        out.collect(aligned);
        windows.remove(start);
        long end = start + config.windowUs();
        p.emittedUpToUs = Math.max(p.emittedUpToUs, end);
        // The window's other timers stay: another window's timer can share their instant
        // (end + 2 s text = next end + 1 s metadata), and a timer with nothing ready is a no-op.
        metrics.emitted(aligned, w, p);
        scheduleCleanup(ctx, p);
    }

    /**
     * Bounds a stream's pending windows when its watermark is stuck by emitting the oldest early.
     * The cap counts windows holding frames or audio; windows with only text or metadata are small
     * and may run far ahead (a text topic is often read in one fetch while video and audio catch
     * up), so they are bounded only at {@link #TEXT_ONLY_FACTOR} times the cap.
     */
    private void enforcePendingCap(Context ctx, StreamProgress p, Collector<AlignedWindow> out)
            throws Exception {
        // Called for every new window: count in one pass and sort only when over the cap (the
        // sort and a lookup per pending window were a third of the aligner task's time, P1).
        int media = 0;
        int total = 0;
        for (PendingWindow w : windows.values()) {
            media += w.holdsMedia() ? 1 : 0;
            total++;
        }
        if (media <= config.maxPendingWindows()
                && total <= TEXT_ONLY_FACTOR * config.maxPendingWindows()) {
            return;
        }
        List<Long> starts = sortedPendingStarts();
        for (int i = 0;
                i < starts.size()
                        && (media > config.maxPendingWindows()
                                || total > TEXT_ONLY_FACTOR * config.maxPendingWindows());
                i++) {
            // The watermark is stuck for this stream; emit rather than grow without bound.
            boolean heavy = windows.get(starts.get(i)).holdsMedia();
            emit(ctx, ctx.getCurrentKey(), starts.get(i), p, out);
            metrics.forced();
            total--;
            media -= heavy ? 1 : 0;
        }
        progress.update(p);
    }

    private boolean add(PendingWindow w, ModalityEvent event, Modality m) {
        switch (m) {
            case VIDEO -> w.addFrame(event.video, config.maxFramesPerWindow());
            case AUDIO -> {
                return WindowAssembler.placeAudio(w, event.audio, config.windowUs());
            }
            case TEXT -> w.addText(event.text, config.maxTextsPerWindow());
            case METADATA -> w.offerMetadata(event.text);
        }
        return true;
    }

    /** Starts of the windows a record overlaps: a point for frames, a span for audio and text. */
    private long[] spannedWindowStarts(ModalityEvent event) {
        long from = event.eventTimeUs();
        long to = from + 1;
        if (event.audio != null) {
            AudioChunk c = event.audio;
            int bytesPerFrame =
                    c.getChannels() * (c.getSampleFormat() == SampleFormat.S16LE ? 2 : 4);
            long frames = c.getSamples().remaining() / Math.max(1, bytesPerFrame);
            to = from + Math.max(1, frames * 1_000_000L / c.getSampleRate());
        } else if (event.text != null && event.modality() == Modality.TEXT) {
            TextEvent text = event.text;
            long limit = (long) MAX_TEXT_SPAN_WINDOWS * config.hopUs();
            to = from + Math.max(1, Math.min(text.getDurationUs(), limit));
        }
        long first = config.firstWindowStart(from);
        long last = Math.floorDiv(to - 1, config.hopUs()) * config.hopUs();
        int n = (int) ((last - first) / config.hopUs()) + 1;
        long[] starts = new long[n];
        for (int i = 0; i < n; i++) {
            starts[i] = first + i * config.hopUs();
        }
        return starts;
    }

    private void registerTimers(Context ctx, long end) {
        for (Modality m : Modality.values()) {
            ctx.timerService().registerEventTimeTimer(timerMs(end + config.tolerance(m)));
        }
    }

    /**
     * The pending windows {@link #ready} to emit, oldest first. Readiness only grows with the
     * window's age (an older window ends earlier), so these are the oldest pending windows; only
     * they are sorted, not every pending window at every timer.
     */
    private List<Long> readyPendingStarts(StreamProgress p, long watermarkUs) throws Exception {
        List<Long> starts = new ArrayList<>();
        for (Long s : windows.keys()) {
            if (ready(s, p, watermarkUs)) {
                starts.add(s);
            }
        }
        starts.sort(null);
        return starts;
    }

    private List<Long> sortedPendingStarts() throws Exception {
        List<Long> starts = new ArrayList<>();
        for (Long s : windows.keys()) {
            starts.add(s);
        }
        starts.sort(null);
        return starts;
    }

    private static long timerMs(long us) {
        return Math.floorDiv(us + 999, 1000);
    }

    private static long watermarkUs(long watermarkMs) {
        if (watermarkMs <= Long.MIN_VALUE / 1000) {
            return Long.MIN_VALUE;
        }
        if (watermarkMs >= Long.MAX_VALUE / 1000) {
            return Long.MAX_VALUE;
        }
        return watermarkMs * 1000;
    }
}
