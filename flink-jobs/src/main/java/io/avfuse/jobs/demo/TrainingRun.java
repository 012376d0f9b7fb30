package io.avfuse.jobs.demo;

import io.avfuse.connectors.broker.KafkaBroker;
import io.avfuse.connectors.kafka.TopicNames;
import io.avfuse.connectors.kafka.TopicReader;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.synth.ClassCatalogue;
import io.avfuse.jobs.encode.LogMelSpectrogram;
import io.avfuse.jobs.encode.WordVocabulary;
import io.avfuse.jobs.job.AlignJob;
import io.avfuse.jobs.job.JobConfig;
import io.avfuse.jobs.model.FusionTrainer;
import io.avfuse.jobs.model.ModelManifest;
import io.avfuse.schemas.AlignedWindow;
import io.avfuse.schemas.DeadLetter;
import io.avfuse.schemas.WindowText;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The demo's model: labelled clips generated, ingested through Kafka, aligned by the job's own
 * aligner (a bounded run over the topics), joined with their labels and trained on, so that the
 * model learns from exactly the windows the live job will give it.
 */
final class TrainingRun {
    private static final int EMBEDDING = 32;
    private static final int FRAMES = 8;
    private static final int MAX_TOKENS = 8;
    private static final java.time.Duration READ_TIMEOUT = java.time.Duration.ofMinutes(2);

    private final DemoCommand demo;
    private final PrintWriter out;

    TrainingRun(DemoCommand demo, PrintWriter out) {
        this.demo = demo;
        this.out = out;
    }

    /** Returns the trained model's directory. */
    Path run(KafkaBroker broker, Path work) throws Exception {
        Path clips = work.resolve("train");
        out.printf(
                "[2/4] training: %d clips x %d windows generated in %s%n",
                demo.trainClips, demo.trainWindows, clips);
        out.flush();
        String bounds = DemoCommand.generate(clips, demo.trainClips, demo.trainWindows, demo.seed);
        out.print(indent(bounds.lines().filter(l -> !l.startsWith("clip")).toList()));

        // One clip after another, each from its own anchor: ingested side by side as fast as
        // possible, one clip's records would trail another's by seconds of event time in the
        // shared partition, behind a watermark the leading clip already moved, and arrive late.
        TopicNames topics = DemoCommand.trainingTopics();
        long clipUs = (demo.trainWindows + 2) * 1_000_000L;
        // In the past, as a recording is: the job turns records stamped over an hour ahead of
        // the clock into dead letters.
        long anchorUs = DemoCommand.nextWholeSecondUs() - demo.trainClips * clipUs;
        Map<String, ClipLabels> labels = new HashMap<>();
        Map<String, Long> anchors = new HashMap<>();
        for (int i = 0; i < demo.trainClips; i++) {
            String clip = "clip" + i;
            labels.put(clip, ClipLabels.read(clips.resolve(clip + ".labels.json")));
            anchors.put(clip, anchorUs + i * clipUs);
            String ingested =
                    DemoCommand.ingest(
                            broker.bootstrapServers(),
                            topics,
                            anchors.get(clip),
                            List.of("--pace", "fast"),
                            clips.resolve(clip + ".mp4"));
            out.print(indent(ingested.lines().toList()));
            out.flush();
        }

        List<AlignedWindow> windows = new ArrayList<>();
        List<Integer> classes = new ArrayList<>();
        TreeSet<String> missing = new TreeSet<>();
        for (String clip : labels.keySet()) {
            for (int i = 0; i < demo.trainWindows; i++) {
                missing.add(clip + " w" + i);
            }
        }
        for (AlignedWindow w : align(broker.bootstrapServers(), topics)) {
            ClipLabels clip = labels.get(w.getStreamId().toString());
            String id = w.getStreamId().toString();
            long anchor = anchors.getOrDefault(id, 0L);
            int c = clip == null ? -1 : clip.classAt(w.getWindowStartUs(), anchor, false);
            if (c >= 0) {
                windows.add(w);
                classes.add(c);
                missing.remove(id + " w" + (w.getWindowStartUs() - anchor) / 1_000_000);
            }
        }
        out.printf(
                "      aligned %d labelled windows through Kafka and the job's aligner%s%n",
                windows.size(),
                missing.isEmpty() ? "" : " (none for " + String.join(", ", missing) + ")");
        out.flush();

        Path tokenizer = work.resolve("tokenizer.json");
        WordVocabulary vocabulary = WordVocabulary.build(captions(windows), 256);
        vocabulary.write(tokenizer);
        ModelManifest manifest = manifest(vocabulary.size(), features(windows));
        Path modelDir = work.resolve("model");
        FusionTrainer.Options options =
                new FusionTrainer.Options(
                        demo.epochs,
                        16,
                        0.003f,
                        new float[] {0.15f, 0.15f, 0.15f, 0.15f},
                        0.2,
                        6,
                        demo.seed);
        long started = System.nanoTime();
        FusionTrainer.Result result =
                new FusionTrainer(options, indentedStream())
                        .train(
                                manifest,
                                tokenizer,
                                windows,
                                classes.stream().mapToInt(Integer::intValue).toArray(),
                                modelDir);
        out.printf(
                "      model %s: held-out accuracy %s at epoch %d (%d train / %d held-out"
                        + " windows, %.0f s); saved to %s%n",
                manifest.version(),
                DemoCommand.pct(result.heldOutAccuracy()),
                result.bestEpoch(),
                result.trainWindows(),
                result.heldOutWindows(),
                (System.nanoTime() - started) / 1e9,
                modelDir);
        out.flush();
        return modelDir;
    }

    /**
     * The training topics through the job's own aligner, as a bounded Flink job that records the
     * windows on the aligned topic (exactly once), read back committed.
     */
    private List<AlignedWindow> align(String bootstrap, TopicNames topics) throws Exception {
        List<String> options = DemoCommand.jobOptions(bootstrap, "avfuse-demo-training", topics);
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
                        "align.max-pending-windows=" + (demo.trainWindows + 32),
                        "align.frames-per-window=" + FRAMES,
                        "job.parallelism=2"));
        JobConfig cfg = JobConfig.load(null, options);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(DemoCommand.loopbackCluster(0));
        AlignJob.defineFromKafka(env, cfg, true);
        env.execute("avfuse-demo-align-training");
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

    ModelManifest manifest(int vocabulary, List<String> features) {
        List<String> names =
                ClassCatalogue.CLASSES.stream().map(ClassCatalogue.EventClass::name).toList();
        return new ModelManifest(
                ModelManifest.ARCHITECTURE,
                "demo-" + demo.fusion.name().toLowerCase(java.util.Locale.ROOT) + "-s" + demo.seed,
                names,
                List.of("video", "audio", "text", "metadata"),
                EMBEDDING,
                demo.fusion,
                FRAMES,
                48,
                64,
                LogMelSpectrogram.Params.DEFAULT,
                MAX_TOKENS,
                vocabulary,
                features,
                5f,
                1_000_000,
                demo.videoPooling,
                demo.frameEncoder,
                demo.audioEncoder,
                null);
    }

    private static List<String> captions(List<AlignedWindow> windows) {
        List<String> corpus = new ArrayList<>();
        for (AlignedWindow w : windows) {
            for (WindowText t : w.getTexts()) {
                corpus.add(t.getText().toString());
            }
        }
        return corpus;
    }

    private static List<String> features(List<AlignedWindow> windows) {
        TreeSet<String> names = new TreeSet<>();
        for (AlignedWindow w : windows) {
            if (w.getMetadata() != null) {
                w.getMetadata().keySet().forEach(k -> names.add(k.toString()));
            }
        }
        return List.copyOf(names);
    }

    private static String indent(List<String> lines) {
        StringBuilder b = new StringBuilder();
        for (String l : lines) {
            b.append("      ").append(l.strip()).append('\n');
        }
        return b.toString();
    }

    /** The trainer's per-epoch lines, indented into the demo's output. */
    private PrintStream indentedStream() {
        return new PrintStream(
                new OutputStream() {
                    private final StringBuilder line = new StringBuilder();

                    @Override
                    public void write(int b) {
                        if (b == '\n') {
                            out.println("      " + line);
                            out.flush();
                            line.setLength(0);
                        } else {
                            line.append((char) b);
                        }
                    }
                },
                true,
                StandardCharsets.UTF_8);
    }
}
