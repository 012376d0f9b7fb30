package io.avfuse.jobs.train;

import io.avfuse.connectors.kafka.KafkaConnection;
import io.avfuse.connectors.kafka.TopicNames;
import io.avfuse.connectors.kafka.TopicReader;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.synth.ClassCatalogue;
import io.avfuse.jobs.job.AlignJob;
import io.avfuse.jobs.job.JobConfig;
import io.avfuse.schemas.AlignedWindow;
import io.avfuse.schemas.DeadLetter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Labelled windows made the way the live job makes them: benchmark clips generated, ingested
 * through Kafka, aligned by the job's own aligner (a bounded Flink run that records them on the
 * aligned topic exactly once), read back committed and joined with the clips' labels.
 *
 * <p>{@code LabelledWindows data = new ClipRecording(out).record(bootstrap, topics, dir, 8, 48,
 * seed);}
 */
public final class ClipRecording {
    private static final Duration READ_TIMEOUT = Duration.ofMinutes(2);

    /** K frames per window, as the live job samples them. */
    public static final int FRAMES = 8;

    private final PrintWriter out;

    public ClipRecording(PrintWriter out) {
        this.out = out;
    }

    /** The benchmark's class names, in index order. */
    public static List<String> classNames() {
        return ClassCatalogue.CLASSES.stream().map(ClassCatalogue.EventClass::name).toList();
    }

    /**
     * Generates {@code clips} clips of {@code windows} 1 s windows into {@code dir}, records them
     * through the broker at {@code bootstrap} on {@code topics} (which must exist) and returns the
     * labelled windows.
     */
    public LabelledWindows record(
            String bootstrap, TopicNames topics, Path dir, int clips, int windows, long seed)
            throws Exception {
        out.printf("      %d clips x %d windows generated in %s%n", clips, windows, dir);
        out.flush();
        String bounds = LocalPipeline.generate(dir, clips, windows, seed);
        out.print(indent(bounds.lines().filter(l -> !l.startsWith("clip")).toList()));

        // One clip after another, each from its own anchor: ingested side by side as fast as
        // possible, one clip's records would trail another's by seconds of event time in the
        // shared partition, behind a watermark the leading clip already moved, and arrive late.
        long clipUs = (windows + 2) * 1_000_000L;
        // In the past, as a recording is: the job turns records stamped over an hour ahead of
        // the clock into dead letters.
        long anchorUs = LocalPipeline.nextWholeSecondUs() - clips * clipUs;
        Map<String, ClipLabels> labels = new HashMap<>();
        Map<String, Long> anchors = new HashMap<>();
        for (int i = 0; i < clips; i++) {
            String clip = "clip" + i;
            labels.put(clip, ClipLabels.read(dir.resolve(clip + ".labels.json")));
            anchors.put(clip, anchorUs + i * clipUs);
            String ingested =
                    LocalPipeline.ingest(
                            bootstrap,
                            topics,
                            anchors.get(clip),
                            List.of("--pace", "fast"),
                            dir.resolve(clip + ".mp4"));
            out.print(indent(ingested.lines().toList()));
            out.flush();
        }
        List<AlignedWindow> aligned = align(bootstrap, topics, windows);
        LabelledWindows data = join(aligned, labels, anchors);
        TreeSet<String> missing = new TreeSet<>();
        for (String clip : labels.keySet()) {
            for (int i = 0; i < windows; i++) {
                missing.add(clip + " w" + i);
            }
        }
        for (AlignedWindow w : data.windows()) {
            long anchor = anchors.get(w.getStreamId());
            missing.remove(w.getStreamId() + " w" + (w.getWindowStartUs() - anchor) / 1_000_000);
        }
        out.printf(
                "      aligned %d labelled windows through Kafka and the job's aligner%s%n",
                data.size(),
                missing.isEmpty() ? "" : " (none for " + String.join(", ", missing) + ")");
        out.flush();
        return data;
    }

    /**
     * Windows recorded from an aligned topic, labelled by the {@code <stream>.labels.json} files in
     * {@code labelsDir} (as {@code avfuse generate} writes them, stream id = clip name); a stream's
     * first window is taken as its clip's start. Windows of unknown streams are skipped.
     */
    public static LabelledWindows fromTopic(
            String bootstrap, String topic, Path labelsDir, Duration timeout) throws Exception {
        return fromTopic(KafkaConnection.to(bootstrap), topic, labelsDir, timeout);
    }

    /** As above, read through {@code kafka}'s client settings (SASL, SSL, ...). */
    public static LabelledWindows fromTopic(
            KafkaConnection kafka, String topic, Path labelsDir, Duration timeout)
            throws Exception {
        Map<String, ClipLabels> labels = new HashMap<>();
        try (Stream<Path> files = Files.list(labelsDir)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".labels.json")).toList()) {
                String name = f.getFileName().toString();
                labels.put(
                        name.substring(0, name.length() - ".labels.json".length()),
                        ClipLabels.read(f));
            }
        }
        if (labels.isEmpty()) {
            throw new IOException("no *.labels.json in " + labelsDir);
        }
        List<AlignedWindow> aligned =
                inStreamOrder(
                        TopicReader.readAll(kafka, topic, RecordType.ALIGNED_WINDOW, timeout));
        Map<String, Long> anchors = new HashMap<>();
        for (AlignedWindow w : aligned) {
            anchors.merge(w.getStreamId(), w.getWindowStartUs(), Math::min);
        }
        return join(aligned, labels, anchors);
    }

    /**
     * The windows by stream, then start. A topic's partitions interleave differently on every read,
     * and the trainer's seeded split and batches follow the input's order. (Demo runs with the same
     * seed still differ after this, from their first epoch on: something else varies between runs,
     * not yet found.)
     */
    static List<AlignedWindow> inStreamOrder(List<AlignedWindow> windows) {
        List<AlignedWindow> sorted = new ArrayList<>(windows);
        sorted.sort(
                Comparator.comparing(AlignedWindow::getStreamId)
                        .thenComparingLong(AlignedWindow::getWindowStartUs));
        return sorted;
    }

    private static LabelledWindows join(
            List<AlignedWindow> aligned,
            Map<String, ClipLabels> labels,
            Map<String, Long> anchors) {
        List<AlignedWindow> kept = new ArrayList<>();
        List<Integer> classes = new ArrayList<>();
        for (AlignedWindow w : aligned) {
            ClipLabels clip = labels.get(w.getStreamId());
            long anchor = anchors.getOrDefault(w.getStreamId(), 0L);
            int c = clip == null ? -1 : clip.classAt(w.getWindowStartUs(), anchor, false);
            if (c >= 0) {
                kept.add(w);
                classes.add(c);
            }
        }
        return new LabelledWindows(
                classNames(), kept, classes.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * The topics through the job's own aligner, as a bounded Flink job that records the windows on
     * the aligned topic (exactly once), read back committed.
     */
    private List<AlignedWindow> align(String bootstrap, TopicNames topics, int windows)
            throws Exception {
        List<String> options =
                LocalPipeline.jobOptions(bootstrap, "avfuse-record-" + topics.aligned(), topics);
        options.addAll(
                List.of(
                        "topics.aligned=" + topics.aligned(),
                        "topics.write-aligned=true",
                        // Bounded: the end of input closes every window. A source that is
                        // back-pressured for a moment must not count as idle: the watermark
                        // would jump to the other sources' and its records arrive late.
                        "align.idle-flush=0s",
                        "watermarks.idleness=10min",
                        // A bounded replay cannot use watermark alignment: video may be read a
                        // whole clip ahead of audio, so every window of a clip may be pending.
                        "align.max-pending-windows=" + (windows + 32),
                        "align.frames-per-window=" + FRAMES,
                        "job.parallelism=2"));
        JobConfig cfg = JobConfig.load(null, options);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(LocalPipeline.loopbackCluster(0));
        AlignJob.defineFromKafka(env, cfg, true);
        env.execute("avfuse-record-" + topics.aligned());
        List<DeadLetter> dead =
                TopicReader.readAll(
                        bootstrap, topics.deadLetter(), RecordType.DEAD_LETTER, READ_TIMEOUT);
        if (!dead.isEmpty()) {
            out.printf(
                    "      %d records became dead letters, e.g. %s: %s%n",
                    dead.size(), dead.get(0).getStage(), dead.get(0).getErrorMessage());
        }
        return TopicReader.readAll(
                bootstrap, topics.aligned(), RecordType.ALIGNED_WINDOW, READ_TIMEOUT);
    }

    static String indent(List<String> lines) {
        StringBuilder b = new StringBuilder();
        for (String l : lines) {
            b.append("      ").append(l.strip()).append('\n');
        }
        return b.toString();
    }
}
