package io.avfuse.jobs.dashboard;

import io.avfuse.schemas.Embedding;
import io.avfuse.schemas.ModalityPresence;
import io.avfuse.schemas.Prediction;
import io.avfuse.schemas.StageTimes;
import io.avfuse.schemas.VideoFrame;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the dashboard knows, in bounded memory: for at most {@code maxStreams} streams (the least
 * recently updated is dropped first) the last {@code windowsPerStream} windows, each joining its
 * prediction, its embedding and one thumbnail (the frame nearest the window's midpoint); a few
 * sampled frames per stream that wait for their window's prediction; and latency percentiles over
 * the last {@code latencySamples} predictions. Records may come in any order across topics. All
 * methods are synchronized: one consumer thread writes, HTTP threads read.
 *
 * <p>{@code WindowStore s = new WindowStore(new WindowStore.Limits(32, 300, 1000, 128, 160));}
 */
final class WindowStore {
    /** Bounds on memory; {@code thumbnailWidth} is the widest thumbnail kept. */
    record Limits(
            int maxStreams,
            int windowsPerStream,
            int latencySamples,
            int framesPerStream,
            int thumbnailWidth) {
        static Limits defaults() {
            return new Limits(32, 300, 1000, 128, 160);
        }
    }

    /** The vector of a window that a query is compared with. */
    enum Against {
        /**
         * The normalised sum of the window's video, audio and metadata embeddings: the fused vector
         * without the window's own text, as {@code avfuse evaluate} measures text-to-window
         * retrieval.
         */
        WINDOW,
        /** The fused vector as the job published it (includes the window's text when present). */
        FUSED,
        TEXT,
        VIDEO,
        AUDIO,
        METADATA
    }

    /** One window of one stream, as far as it is known. */
    static final class Window {
        final String stream;
        final long startUs;
        long endUs;
        Prediction prediction;
        long receivedAtUs;
        Embedding embedding;
        byte[] thumbnail;
        long thumbnailDistanceUs = Long.MAX_VALUE;

        Window(String stream, long startUs, long endUs) {
            this.stream = stream;
            this.startUs = startUs;
            this.endUs = endUs;
        }

        long midUs() {
            return startUs + (endUs - startUs) / 2;
        }
    }

    /** A search result: a window and its cosine similarity to the query. */
    record Hit(Window window, double score) {}

    /** Ranked windows; {@code skipped} counts windows whose embedding came from another model. */
    record Ranking(List<Hit> hits, int compared, int skipped, List<String> otherVersions) {}

    /** p50/p90/p99 in milliseconds (NaN without samples) over {@code n} samples. */
    record Percentiles(double p50, double p90, double p99, int n) {}

    /** Latency kinds, each from one Prediction time to another. */
    enum Latency {
        END_TO_EMITTED("window end \u2192 emitted by the job"),
        END_TO_VISIBLE("window end \u2192 read here (read_committed)"),
        ALIGNED_TO_EMITTED("aligned \u2192 emitted (batching + model)"),
        MODEL_CALL("model call");

        final String title;

        Latency(String title) {
            this.title = title;
        }
    }

    private static final class Stream {
        final TreeMap<Long, Window> windows = new TreeMap<>();
        final TreeMap<Long, VideoFrame> frames = new TreeMap<>();
        long framesSeen;
    }

    private final Limits limits;
    // Access order: the first entry is the least recently updated stream.
    private final LinkedHashMap<String, Stream> streams = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<Latency, LatencyStats> latency = new LinkedHashMap<>();
    private long predictions;
    private long embeddings;
    private long frames;
    private long thumbnailErrors;
    private String lastModelVersion = "";

    WindowStore(Limits limits) {
        this.limits = limits;
        for (Latency l : Latency.values()) {
            latency.put(l, new LatencyStats(limits.latencySamples()));
        }
    }

    synchronized Window onPrediction(Prediction p, long receivedAtUs) {
        predictions++;
        lastModelVersion = p.getModelVersion();
        Window w = window(p.getStreamId(), p.getWindowStartUs(), p.getWindowEndUs());
        w.prediction = p;
        w.receivedAtUs = receivedAtUs;
        StageTimes t = p.getTimes();
        long end = p.getWindowEndUs();
        if (t.getEmittedAtUs() > 0) {
            latency.get(Latency.END_TO_EMITTED).add((t.getEmittedAtUs() - end) / 1000.0);
        }
        latency.get(Latency.END_TO_VISIBLE).add((receivedAtUs - end) / 1000.0);
        if (t.getAlignedAtUs() > 0 && t.getEmittedAtUs() > 0) {
            latency.get(Latency.ALIGNED_TO_EMITTED)
                    .add((t.getEmittedAtUs() - t.getAlignedAtUs()) / 1000.0);
        }
        if (t.getInferenceStartUs() > 0 && t.getInferenceEndUs() > 0) {
            latency.get(Latency.MODEL_CALL)
                    .add((t.getInferenceEndUs() - t.getInferenceStartUs()) / 1000.0);
        }
        return w;
    }

    synchronized Window onEmbedding(Embedding e) {
        embeddings++;
        Window w = window(e.getStreamId(), e.getWindowStartUs(), e.getWindowEndUs());
        w.embedding = e;
        return w;
    }

    /**
     * Keeps the frame as its window's thumbnail when it is nearer the window's midpoint than the
     * one held, or as a candidate for a window not seen yet.
     *
     * @return the window whose thumbnail changed, if any
     */
    synchronized Optional<Window> onFrame(VideoFrame f) {
        frames++;
        Stream s = streams.get(f.getStreamId());
        if (s == null) {
            s = newStream(f.getStreamId());
        }
        s.framesSeen++;
        long t = f.getEventTimeUs();
        Map.Entry<Long, Window> floor = s.windows.floorEntry(t);
        if (floor != null && t < floor.getValue().endUs) {
            Window w = floor.getValue();
            return attach(w, f) ? Optional.of(w) : Optional.empty();
        }
        if (!s.windows.isEmpty() && t < s.windows.firstKey()) {
            return Optional.empty(); // older than every window held
        }
        // Keep one candidate per 100 ms: enough to find a frame near any window's midpoint.
        Long before = s.frames.floorKey(t);
        Long after = s.frames.ceilingKey(t);
        if ((before != null && t - before < 100_000) || (after != null && after - t < 100_000)) {
            return Optional.empty();
        }
        s.frames.put(t, f);
        while (s.frames.size() > limits.framesPerStream()) {
            s.frames.pollFirstEntry();
        }
        return Optional.empty();
    }

    private boolean attach(Window w, VideoFrame f) {
        long distance = Math.abs(f.getEventTimeUs() - w.midUs());
        if (distance >= w.thumbnailDistanceUs) {
            return false;
        }
        try {
            w.thumbnail = Thumbnails.jpeg(f, limits.thumbnailWidth());
            w.thumbnailDistanceUs = distance;
            return true;
        } catch (IOException | RuntimeException e) {
            thumbnailErrors++;
            return false;
        }
    }

    private Stream newStream(String id) {
        Stream s = new Stream();
        streams.put(id, s);
        Iterator<String> oldest = streams.keySet().iterator();
        while (streams.size() > limits.maxStreams()) {
            oldest.next();
            oldest.remove();
        }
        return s;
    }

    private Window window(String stream, long startUs, long endUs) {
        Stream s = streams.get(stream);
        if (s == null) {
            s = newStream(stream);
        }
        Window w = s.windows.get(startUs);
        if (w == null) {
            w = new Window(stream, startUs, endUs);
            s.windows.put(startUs, w);
            while (s.windows.size() > limits.windowsPerStream()) {
                s.windows.pollFirstEntry();
            }
            // Frames that came before their window: the nearest to the midpoint inside it.
            NavigableMap<Long, VideoFrame> inside = s.frames.subMap(startUs, true, endUs, false);
            VideoFrame best = null;
            for (VideoFrame f : inside.values()) {
                if (best == null
                        || Math.abs(f.getEventTimeUs() - w.midUs())
                                < Math.abs(best.getEventTimeUs() - w.midUs())) {
                    best = f;
                }
            }
            if (best != null) {
                attach(w, best);
            }
            inside.clear();
        }
        w.endUs = endUs;
        return w;
    }

    /** Every window held, by stream, then time. */
    synchronized List<Window> windows() {
        List<Window> out = new ArrayList<>();
        for (String id : new TreeSet<>(streams.keySet())) {
            // Reading through values of a snapshot key set: get() would reorder the access order.
            out.addAll(streamOf(id).windows.values());
        }
        return out;
    }

    private Stream streamOf(String id) {
        for (Map.Entry<String, Stream> e : streams.entrySet()) {
            if (e.getKey().equals(id)) {
                return e.getValue();
            }
        }
        throw new IllegalStateException("no stream " + id);
    }

    synchronized Optional<byte[]> thumbnail(String stream, long startUs) {
        for (Map.Entry<String, Stream> e : streams.entrySet()) {
            if (e.getKey().equals(stream)) {
                Window w = e.getValue().windows.get(startUs);
                return w == null ? Optional.empty() : Optional.ofNullable(w.thumbnail);
            }
        }
        return Optional.empty();
    }

    synchronized Map<Latency, Percentiles> latency() {
        Map<Latency, Percentiles> out = new LinkedHashMap<>();
        for (Map.Entry<Latency, LatencyStats> e : latency.entrySet()) {
            LatencyStats s = e.getValue();
            out.put(
                    e.getKey(),
                    new Percentiles(
                            s.percentile(0.50), s.percentile(0.90), s.percentile(0.99), s.size()));
        }
        return out;
    }

    /** Records read so far: predictions, embeddings, frames, and frames without a thumbnail. */
    synchronized long[] counts() {
        return new long[] {predictions, embeddings, frames, thumbnailErrors};
    }

    synchronized String lastModelVersion() {
        return lastModelVersion;
    }

    /**
     * The {@code k} windows whose {@code against} vector is closest to {@code query} by cosine,
     * among windows embedded by {@code modelVersion} (other models' vectors live in another space).
     */
    synchronized Ranking search(float[] query, Against against, String modelVersion, int k) {
        List<Hit> hits = new ArrayList<>();
        int skipped = 0;
        TreeSet<String> others = new TreeSet<>();
        for (Stream s : streams.values()) {
            for (Window w : s.windows.values()) {
                if (w.embedding == null) {
                    continue;
                }
                if (!w.embedding.getModelVersion().equals(modelVersion)) {
                    skipped++;
                    others.add(w.embedding.getModelVersion());
                    continue;
                }
                float[] v = vector(w.embedding, against);
                if (v == null || v.length != query.length) {
                    continue;
                }
                hits.add(new Hit(w, cosine(query, v)));
            }
        }
        int compared = hits.size();
        hits.sort(
                Comparator.comparingDouble(Hit::score)
                        .reversed()
                        .thenComparing(h -> h.window().stream)
                        .thenComparingLong(h -> h.window().startUs));
        return new Ranking(
                List.copyOf(hits.subList(0, Math.min(k, hits.size()))),
                compared,
                skipped,
                List.copyOf(others));
    }

    /** The window's vector to compare, null when the window has none of that kind. */
    static float[] vector(Embedding e, Against against) {
        return switch (against) {
            case FUSED -> floats(e.getFused());
            case TEXT -> floats(e.getText());
            case VIDEO -> floats(e.getVideo());
            case AUDIO -> floats(e.getAudio());
            case METADATA -> floats(e.getMetadata());
            case WINDOW -> withoutText(e);
        };
    }

    /** As {@code FusionModel.fused} with the text masked out: the normalised sum of the rest. */
    private static float[] withoutText(Embedding e) {
        ModalityPresence p = e.getPresence();
        float[] sum = null;
        List<List<Float>> parts = new ArrayList<>();
        if (p.getVideo() && e.getVideo() != null) {
            parts.add(e.getVideo());
        }
        if (p.getAudio() && e.getAudio() != null) {
            parts.add(e.getAudio());
        }
        if (p.getMetadata() && e.getMetadata() != null) {
            parts.add(e.getMetadata());
        }
        for (List<Float> part : parts) {
            float[] v = floats(part);
            if (sum == null) {
                sum = v;
            } else if (v.length == sum.length) {
                for (int i = 0; i < v.length; i++) {
                    sum[i] += v[i];
                }
            }
        }
        return sum;
    }

    private static float[] floats(List<Float> v) {
        if (v == null) {
            return null;
        }
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i);
        }
        return out;
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }
}
