package io.avfuse.jobs.demo;

import io.avfuse.connectors.broker.KafkaBroker;
import io.avfuse.jobs.encode.WordVocabulary;
import io.avfuse.jobs.model.FusionTrainer;
import io.avfuse.jobs.model.ModelManifest;
import io.avfuse.jobs.train.ClipRecording;
import io.avfuse.jobs.train.LabelledWindows;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The demo's model: labelled clips generated, ingested through Kafka, aligned by the job's own
 * aligner (a bounded run over the topics), joined with their labels and trained on, so that the
 * model learns from exactly the windows the live job will give it.
 */
final class TrainingRun {
    private static final int EMBEDDING = 32;

    private final DemoCommand demo;
    private final PrintWriter out;

    TrainingRun(DemoCommand demo, PrintWriter out) {
        this.demo = demo;
        this.out = out;
    }

    /** Returns the trained model's directory. */
    Path run(KafkaBroker broker, Path work) throws Exception {
        out.println("[2/4] training");
        LabelledWindows data =
                new ClipRecording(out)
                        .record(
                                broker.bootstrapServers(),
                                DemoCommand.trainingTopics(),
                                work.resolve("train"),
                                demo.trainClips,
                                demo.trainWindows,
                                demo.seed);
        Path tokenizer = work.resolve("tokenizer.json");
        WordVocabulary vocabulary = WordVocabulary.build(data.captions(), 256);
        vocabulary.write(tokenizer);
        ModelManifest manifest = manifest(vocabulary.size(), data.features());
        Path modelDir = work.resolve("model");
        FusionTrainer.Options options =
                new FusionTrainer.Options().epochs(demo.epochs).seed(demo.seed);
        long started = System.nanoTime();
        FusionTrainer.Result result =
                new FusionTrainer(options, indentedStream())
                        .train(
                                manifest,
                                tokenizer,
                                demo.architecture.pretrained(),
                                data.windows(),
                                data.labels(),
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

    ModelManifest manifest(int vocabulary, List<String> features) {
        String fusion = demo.architecture.fusion.name().toLowerCase(java.util.Locale.ROOT);
        return demo.architecture.manifest(
                "demo-" + fusion + "-s" + demo.seed, EMBEDDING, vocabulary, features);
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
