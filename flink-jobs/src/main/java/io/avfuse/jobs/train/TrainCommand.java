package io.avfuse.jobs.train;

import io.avfuse.jobs.encode.PretrainedFiles;
import io.avfuse.jobs.encode.WordVocabulary;
import io.avfuse.jobs.model.FusionTrainer;
import io.avfuse.jobs.model.ModelManifest;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code avfuse train}: trains encoders and fusion head on labelled aligned windows and writes a
 * model directory the job serves.
 */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        version = "avfuse train 0.1.0",
        sortOptions = false,
        description = {
            "Trains an avfuse model (encoders + fusion head) with modality dropout on labelled"
                    + " aligned windows: generated benchmark clips recorded through Kafka and the"
                    + " job's aligner (default), a saved dataset, or an aligned topic.",
            "Writes a model directory (manifest.json, tokenizer.json, parameters) for 'avfuse"
                    + " fuse --model.dir' and 'avfuse evaluate'. Runs offline on the CPU."
        })
public final class TrainCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Mixin DataOptions data = new DataOptions();

    @Option(
            names = "--out",
            required = true,
            paramLabel = "DIR",
            description = "The model directory to write.")
    Path out;

    @Option(
            names = "--version-name",
            paramLabel = "NAME",
            description = "Model version (default: derived from the settings).")
    String versionName;

    @Mixin ArchitectureOptions architecture = new ArchitectureOptions();

    @Option(
            names = "--embedding",
            paramLabel = "N",
            defaultValue = "32",
            description = "Size of the joint embedding space (default: ${DEFAULT-VALUE}).")
    int embedding;

    @Option(
            names = "--epochs",
            paramLabel = "N",
            defaultValue = "20",
            description = "Most epochs without --stages (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(
            names = "--stages",
            paramLabel = "E,F,T",
            split = ",",
            description =
                    "Staged training: E epochs of encoders, F of the fusion head over frozen encoders, T of fine-tuning everything at --finetune-rate.")
    int[] stages;

    @Option(
            names = "--finetune-rate",
            paramLabel = "X",
            defaultValue = "0.1",
            description =
                    "Learning-rate factor of the fine-tuning stage (default: ${DEFAULT-VALUE}).")
    float finetuneRate;

    @Option(
            names = "--batch-size",
            paramLabel = "N",
            defaultValue = "16",
            description = "Windows per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(
            names = "--learning-rate",
            paramLabel = "RATE",
            defaultValue = "0.003",
            description = "Adam's learning rate (default: ${DEFAULT-VALUE}).")
    float learningRate;

    @Option(
            names = "--dropout",
            paramLabel = "P[,P,P,P]",
            split = ",",
            defaultValue = "0.15",
            description =
                    "Modality dropout: one probability for all, or video,audio,text,metadata (default: ${DEFAULT-VALUE}; 0 turns it off).")
    float[] dropout;

    @Option(
            names = "--contrastive",
            paramLabel = "W",
            defaultValue = "0",
            description =
                    "Weight of the contrastive alignment loss between modality embeddings (default: ${DEFAULT-VALUE}, off).")
    float contrastive;

    @Option(
            names = "--patience",
            paramLabel = "N",
            defaultValue = "6",
            description =
                    "Epochs without held-out gain before a stage stops (default: ${DEFAULT-VALUE}).")
    int patience;

    @Option(
            names = "--validation",
            paramLabel = "SHARE",
            defaultValue = "0.2",
            description = "Share of windows held out (default: ${DEFAULT-VALUE}).")
    double validation;

    @Option(
            names = "--seed",
            paramLabel = "SEED",
            defaultValue = "1",
            description =
                    "Seed of split, shuffling, dropout, initialisation and generated clips (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--checkpoint-dir",
            paramLabel = "DIR",
            description = "Checkpoint there after every epoch.")
    Path checkpointDir;

    @Option(names = "--resume", description = "Continue from --checkpoint-dir's last checkpoint.")
    boolean resume;

    @Option(
            names = "--progress",
            paramLabel = "WHEN",
            defaultValue = "auto",
            description =
                    "Progress bars: auto (on a terminal), always, never (default: ${DEFAULT-VALUE}).")
    String progress;

    public static void main(String[] args) {
        System.exit(new CommandLine(new TrainCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter console = spec.commandLine().getOut();
        FusionTrainer.Options options;
        PretrainedFiles pretrained;
        try {
            data.validate();
            options = options();
            pretrained = architecture.pretrained();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        try (ScratchDirectory work = ScratchDirectory.create("avfuse-train-data")) {
            return train(console, options, pretrained, work.path());
        }
    }

    private int train(
            PrintWriter console,
            FusionTrainer.Options options,
            PretrainedFiles pretrained,
            Path work)
            throws Exception {
        LabelledWindows windows = data.load(work, seed, console);
        Path tokenizer = work.resolve("tokenizer.json");
        WordVocabulary words = WordVocabulary.build(windows.captions(), 256);
        words.write(tokenizer);
        int vocabulary = words.size();
        String version =
                versionName != null
                        ? versionName
                        : String.format(
                                Locale.ROOT,
                                "%s-%s%s-s%d",
                                architecture.fusion.name().toLowerCase(Locale.ROOT),
                                dropoutOff() ? "nodrop" : "drop",
                                contrastive > 0 ? "-clip" : "",
                                seed);
        // The data's classes name the outputs (a topic's labels need not be the benchmark's).
        ModelManifest manifest =
                architecture
                        .manifest(version, embedding, vocabulary, windows.features())
                        .withLabels(windows.classes());
        console.printf(
                "training %s on %d windows (%d classes)%n",
                version, windows.size(), windows.classes().size());
        console.flush();
        long started = System.nanoTime();
        PrintStream lines = new PrintStream(System.out, true);
        FusionTrainer.Result r =
                new FusionTrainer(options, lines)
                        .train(
                                manifest,
                                tokenizer,
                                pretrained,
                                windows.windows(),
                                windows.labels(),
                                out);
        console.printf(
                Locale.ROOT,
                "model %s: held-out accuracy %.3f at epoch %d (%d train / %d held-out windows,"
                        + " %.0f s); written to %s%n",
                version,
                r.heldOutAccuracy(),
                r.bestEpoch(),
                r.trainWindows(),
                r.heldOutWindows(),
                (System.nanoTime() - started) / 1e9,
                out);
        console.flush();
        return 0;
    }

    private boolean dropoutOff() {
        for (float p : dropout) {
            if (p > 0) {
                return false;
            }
        }
        return true;
    }

    private FusionTrainer.Options options() {
        float[] perModality =
                dropout.length == 1
                        ? new float[] {dropout[0], dropout[0], dropout[0], dropout[0]}
                        : dropout;
        FusionTrainer.Options o =
                new FusionTrainer.Options()
                        .epochs(epochs)
                        .batchSize(batchSize)
                        .learningRate(learningRate)
                        .dropout(perModality)
                        .contrastive(contrastive)
                        .patience(patience)
                        .validationFraction(validation)
                        .seed(seed)
                        .finetuneRate(finetuneRate)
                        .progressBar(
                                switch (progress) {
                                    case "always" -> true;
                                    case "never" -> false;
                                    case "auto" -> System.console() != null;
                                    default ->
                                            throw new IllegalArgumentException(
                                                    "--progress must be auto, always or never");
                                });
        if (stages != null) {
            if (stages.length != 3) {
                throw new IllegalArgumentException("--stages takes three epoch counts: E,F,T");
            }
            o.stages(stages[0], stages[1], stages[2]);
        }
        if (checkpointDir != null || resume) {
            o.checkpoint(checkpointDir, resume);
        }
        // Validated here so that a bad value is a usage error, not a stack trace.
        new FusionTrainer(o, System.out);
        return o;
    }
}
