package io.avfuse.jobs.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import io.avfuse.jobs.encode.PretrainedFiles;
import io.avfuse.schemas.AlignedWindow;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Trains a {@link FusionModel} on labelled aligned windows: Adam, modality dropout (a present
 * modality is masked out with a per-modality probability, never the last one), an optional
 * CLIP-style contrastive loss between the modality embeddings, optional staged training (encoders,
 * then the fusion head over frozen encoders, then everything at a lower rate), a held-out split,
 * early stopping on held-out accuracy, a checkpoint after every epoch that a later run resumes from
 * exactly, and the best epoch written as a model directory.
 *
 * <p>{@code Result r = new FusionTrainer(options, System.out).train(manifest, tokenizer, windows,
 * labels, dir);}
 */
public final class FusionTrainer {
    /** What an epoch optimises. */
    public enum Stage {
        /** Everything, from the start: classification with modality dropout (+ contrastive). */
        JOINT,
        /** Everything, each window reduced to one random present modality (+ contrastive). */
        ENCODERS,
        /** The fusion head only, encoders frozen, with modality dropout. */
        FUSION,
        /** Everything at the learning rate times {@link Options#finetuneRate}. */
        FINETUNE
    }

    /** Training settings; {@code new Options().epochs(20).contrastive(0.5f)}. */
    public static final class Options {
        int epochs = 20;
        int batchSize = 16;
        float learningRate = 0.003f;
        float[] dropout = {0.15f, 0.15f, 0.15f, 0.15f};
        double validationFraction = 0.2;
        int patience = 6;
        long seed = 1;
        float contrastive;
        int[] stageEpochs;
        float finetuneRate = 0.1f;
        Path checkpointDir;
        boolean resume;
        boolean progressBar;

        /** Most epochs of a single-stage run. */
        public Options epochs(int n) {
            epochs = n;
            return this;
        }

        public Options batchSize(int n) {
            batchSize = n;
            return this;
        }

        public Options learningRate(float rate) {
            learningRate = rate;
            return this;
        }

        /** Per-modality probability (video, audio, text, metadata) of masking it out. */
        public Options dropout(float... perModality) {
            if (perModality.length != 4) {
                throw new IllegalArgumentException("dropout needs 4 probabilities");
            }
            dropout = perModality.clone();
            return this;
        }

        public Options validationFraction(double share) {
            validationFraction = share;
            return this;
        }

        /** Epochs without improvement before a stage stops. */
        public Options patience(int n) {
            patience = n;
            return this;
        }

        /** Shuffling, split, dropout and initialisation. */
        public Options seed(long s) {
            seed = s;
            return this;
        }

        /** Weight of the contrastive alignment loss; 0 turns it off. */
        public Options contrastive(float weight) {
            contrastive = weight;
            return this;
        }

        /** Epochs of the ENCODERS, FUSION and FINETUNE stages; null for one JOINT stage. */
        public Options stages(int encoders, int fusion, int finetune) {
            stageEpochs = new int[] {encoders, fusion, finetune};
            return this;
        }

        public Options finetuneRate(float factor) {
            finetuneRate = factor;
            return this;
        }

        /** Checkpoint after every epoch there; with {@code resume}, continue from it. */
        public Options checkpoint(Path dir, boolean resumeFromIt) {
            checkpointDir = dir;
            resume = resumeFromIt;
            return this;
        }

        /** A progress bar per epoch on stderr (for terminals). */
        public Options progressBar(boolean on) {
            progressBar = on;
            return this;
        }

        List<Stage> plan() {
            List<Stage> plan = new ArrayList<>();
            if (stageEpochs == null) {
                plan.addAll(Collections.nCopies(epochs, Stage.JOINT));
            } else {
                plan.addAll(Collections.nCopies(stageEpochs[0], Stage.ENCODERS));
                plan.addAll(Collections.nCopies(stageEpochs[1], Stage.FUSION));
                plan.addAll(Collections.nCopies(stageEpochs[2], Stage.FINETUNE));
            }
            return plan;
        }

        /** What a checkpoint must agree on to be resumed. */
        String fingerprint(int windows) {
            return String.format(
                    Locale.ROOT,
                    "windows=%d batch=%d lr=%s dropout=%s validation=%s seed=%d contrastive=%s"
                            + " stages=%s finetune=%s",
                    windows,
                    batchSize,
                    learningRate,
                    Arrays.toString(dropout),
                    validationFraction,
                    seed,
                    contrastive,
                    Arrays.toString(stageEpochs),
                    finetuneRate);
        }

        void validate() {
            if (epochs < 1 || batchSize < 2 || learningRate <= 0 || patience < 1) {
                throw new IllegalArgumentException(
                        "epochs and patience must be at least 1, batch size at least 2, the"
                                + " learning rate positive");
            }
            for (float p : dropout) {
                if (p < 0 || p >= 1) {
                    throw new IllegalArgumentException("dropout probabilities must be in [0, 1)");
                }
            }
            if (validationFraction <= 0 || validationFraction >= 1 || contrastive < 0) {
                throw new IllegalArgumentException(
                        "the held-out share must be in (0, 1), the contrastive weight >= 0");
            }
            if (stageEpochs != null && Arrays.stream(stageEpochs).anyMatch(n -> n < 0)) {
                throw new IllegalArgumentException("stage epochs must be >= 0");
            }
            if (resume && checkpointDir == null) {
                throw new IllegalArgumentException("resuming needs a checkpoint directory");
            }
        }
    }

    /** One epoch's figures. */
    public record Epoch(
            int epoch, Stage stage, double loss, double contrastive, double heldOutAccuracy) {}

    /** What training achieved, measured on the held-out windows. */
    public record Result(
            double heldOutAccuracy,
            int bestEpoch,
            int trainWindows,
            int heldOutWindows,
            List<Epoch> history,
            boolean resumed) {}

    private static final String TRAINER_PARAMS = "trainer";
    private static final String BEST_PARAMS = "best";
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private final Options options;
    private final PrintStream progress;

    public FusionTrainer(Options options, PrintStream progress) {
        options.validate();
        this.options = options;
        this.progress = progress;
    }

    /** Where training stands; written with every checkpoint. */
    private static final class State {
        int epochsDone;
        double best = -1;
        int bestEpoch = -1;
        int stageBestEpoch = -1;
        List<Epoch> history = new ArrayList<>();
        Random random;
    }

    public Result train(
            ModelManifest manifest,
            Path tokenizerFile,
            List<AlignedWindow> windows,
            int[] labels,
            Path modelDir)
            throws IOException {
        return train(manifest, tokenizerFile, null, windows, labels, modelDir);
    }

    /**
     * As above, for manifests with pretrained encoders: they are opened from {@code pretrained}
     * (may be null when the manifest uses none) and copied into the model directory.
     */
    public Result train(
            ModelManifest manifest,
            Path tokenizerFile,
            PretrainedFiles pretrained,
            List<AlignedWindow> windows,
            int[] labels,
            Path modelDir)
            throws IOException {
        if (windows.size() != labels.length || windows.size() < 4) {
            throw new IllegalArgumentException("need at least 4 labelled windows");
        }
        Random rnd = new Random(options.seed);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < windows.size(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, rnd);
        int held = Math.max(1, (int) Math.round(windows.size() * options.validationFraction));
        List<Integer> validation = List.copyOf(order.subList(0, held));
        List<Integer> training = List.copyOf(order.subList(held, order.size()));
        List<Stage> plan = options.plan();
        String fingerprint = options.fingerprint(windows.size());

        Path work =
                options.checkpointDir != null
                        ? Files.createDirectories(options.checkpointDir)
                        : Files.createTempDirectory("avfuse-train");
        try (HuggingFaceTokenizer tokenizer =
                        HuggingFaceTokenizer.newInstance(tokenizerFile, Map.of());
                PretrainedEncoders encoders =
                        pretrained == null
                                ? PretrainedEncoders.none()
                                : PretrainedEncoders.open(manifest, pretrained);
                Model model = Model.newInstance(TRAINER_PARAMS, Device.cpu(), "PyTorch")) {
            model.getNDManager().getEngine().setRandomSeed((int) options.seed);
            // Every checkpoint overwrites one file instead of adding a numbered one.
            model.setProperty("Epoch", "0");
            TrainingBlock block = new TrainingBlock(new FusionModel(manifest));
            model.setBlock(block);
            WindowBatch batcher = new WindowBatch(manifest, tokenizer, encoders);
            SavableAdam adam = new SavableAdam(options.learningRate, block.getParameters());
            DefaultTrainingConfig config =
                    new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()).optOptimizer(adam);
            State state = new State();
            boolean resumed = options.resume && Files.isRegularFile(work.resolve("state.json"));
            if (resumed) {
                // Before the trainer exists: its parameter store keeps the arrays it first sees.
                state = restore(work, fingerprint, model, adam);
                rnd = state.random;
                progress.printf(
                        Locale.ROOT,
                        "resuming from %s after epoch %d (best %.3f at epoch %d)%n",
                        work,
                        state.epochsDone,
                        state.best,
                        state.bestEpoch);
            }
            try (Trainer trainer = model.newTrainer(config)) {
                // Initialises only what a restored checkpoint did not fill.
                trainer.initialize(trainingShapes(manifest, options.batchSize));
                for (int epoch = state.epochsDone + 1; epoch <= plan.size(); epoch++) {
                    Stage stage = plan.get(epoch - 1);
                    if (epoch > 1 && plan.get(epoch - 2) != stage) {
                        state.stageBestEpoch = -1;
                    }
                    prepare(block, adam, stage);
                    double[] losses =
                            runEpoch(
                                    trainer,
                                    batcher,
                                    windows,
                                    labels,
                                    training,
                                    stage,
                                    rnd,
                                    epoch,
                                    plan.size());
                    double accuracy = accuracy(model, batcher, windows, labels, validation);
                    state.history.add(new Epoch(epoch, stage, losses[0], losses[1], accuracy));
                    state.epochsDone = epoch;
                    boolean improved = accuracy > state.best;
                    if (improved) {
                        state.best = accuracy;
                        state.bestEpoch = epoch;
                        model.save(work, BEST_PARAMS);
                    }
                    if (improved || state.stageBestEpoch < 0) {
                        state.stageBestEpoch = epoch;
                    }
                    progress.printf(
                            Locale.ROOT,
                            "epoch %d/%d  %-8s loss %.4f%s  held-out accuracy %.3f%s%n",
                            epoch,
                            plan.size(),
                            stage.name().toLowerCase(Locale.ROOT),
                            losses[0],
                            options.contrastive > 0
                                    ? String.format(Locale.ROOT, " (contrastive %.4f)", losses[1])
                                    : "",
                            accuracy,
                            improved ? "  *" : "");
                    if (options.checkpointDir != null) {
                        checkpoint(work, fingerprint, model, adam, rnd, state);
                    }
                    if (epoch - state.stageBestEpoch >= options.patience) {
                        int next = nextStageStart(plan, epoch);
                        progress.printf(
                                "early stop of the %s stage: no gain for %d epochs%n",
                                stage.name().toLowerCase(Locale.ROOT), options.patience);
                        if (next > plan.size()) {
                            break;
                        }
                        // Skipped epochs count as done, so a resume does not run them.
                        state.epochsDone = next - 1;
                        epoch = next - 1;
                        if (options.checkpointDir != null) {
                            checkpoint(work, fingerprint, model, adam, rnd, state);
                        }
                    }
                }
            }
            if (state.bestEpoch < 0) {
                throw new IllegalStateException("no epoch ran: nothing to save");
            }
            model.load(work, BEST_PARAMS);
            try (Model serving =
                    Model.newInstance(ModelDirectory.PARAMETERS, Device.cpu(), "PyTorch")) {
                serving.setBlock(block.model());
                ModelDirectory.save(serving, manifest, tokenizerFile, pretrained, modelDir);
            }
            return new Result(
                    state.best,
                    state.bestEpoch,
                    training.size(),
                    validation.size(),
                    List.copyOf(state.history),
                    resumed);
        } catch (MalformedModelException e) {
            throw new IOException("cannot reload the best epoch: " + e.getMessage(), e);
        } finally {
            if (options.checkpointDir == null) {
                deleteTree(work);
            }
        }
    }

    private static int nextStageStart(List<Stage> plan, int epoch) {
        int next = epoch + 1;
        while (next <= plan.size() && plan.get(next - 1) == plan.get(epoch - 1)) {
            next++;
        }
        return next;
    }

    private void prepare(TrainingBlock block, SavableAdam adam, Stage stage) {
        FusionModel.freeze(block, false);
        block.model().freezeEncoders(stage == Stage.FUSION);
        if (options.contrastive == 0 || stage == Stage.FUSION) {
            FusionModel.freeze(block.alignment(), true);
        }
        adam.setLearningRate(
                stage == Stage.FINETUNE
                        ? options.learningRate * options.finetuneRate
                        : options.learningRate);
    }

    /** Mean classification loss and mean contrastive loss over the epoch's steps. */
    private double[] runEpoch(
            Trainer trainer,
            WindowBatch batcher,
            List<AlignedWindow> windows,
            int[] labels,
            List<Integer> training,
            Stage stage,
            Random rnd,
            int epoch,
            int epochs) {
        List<Integer> shuffled = new ArrayList<>(training);
        Collections.shuffle(shuffled, rnd);
        double lossSum = 0;
        double contrastiveSum = 0;
        int steps = 0;
        int total = (shuffled.size() + options.batchSize - 1) / options.batchSize;
        try (ProgressBar bar = bar(epoch, epochs, total)) {
            for (int from = 0; from < shuffled.size(); from += options.batchSize) {
                List<Integer> idx =
                        shuffled.subList(from, Math.min(shuffled.size(), from + options.batchSize));
                if (idx.size() < 2) {
                    continue; // batch norm cannot train on a single window
                }
                try (NDManager m = trainer.getManager().newSubManager()) {
                    WindowBatch.Inputs in = batcher.toInputs(m, pick(windows, idx));
                    NDList x = new NDList(in.tensors());
                    x.set(5, m.create(maskFor(stage, in.presence(), rnd)));
                    x.add(m.create(in.presence()));
                    NDArray y = m.create(pickLabels(labels, idx)).toType(DataType.FLOAT32, false);
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDList out = trainer.forward(x);
                        NDArray ce =
                                trainer.getLoss().evaluate(new NDList(y), new NDList(out.get(0)));
                        NDArray contrastive = out.get(out.size() - 1);
                        NDArray loss =
                                options.contrastive > 0 && stage != Stage.FUSION
                                        ? ce.add(contrastive.mul(options.contrastive))
                                        : ce;
                        gc.backward(loss);
                        lossSum += ce.getFloat();
                        contrastiveSum += contrastive.getFloat();
                    }
                    trainer.step();
                    steps++;
                }
                if (bar != null) {
                    bar.step();
                    bar.setExtraMessage(
                            String.format(Locale.ROOT, " loss %.4f", lossSum / Math.max(1, steps)));
                }
            }
        }
        return new double[] {lossSum / Math.max(1, steps), contrastiveSum / Math.max(1, steps)};
    }

    private ProgressBar bar(int epoch, int epochs, int steps) {
        if (!options.progressBar) {
            return null;
        }
        return new ProgressBarBuilder()
                .setTaskName("epoch " + epoch + "/" + epochs)
                .setInitialMax(steps)
                .setStyle(ProgressBarStyle.ASCII)
                .setUnit(" batches", 1)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .build();
    }

    /** The presence the model sees this step: dropout, or one random present modality. */
    private float[][] maskFor(Stage stage, float[][] real, Random rnd) {
        float[][] presence = new float[real.length][];
        for (int i = 0; i < presence.length; i++) {
            presence[i] = real[i].clone();
            if (stage == Stage.ENCODERS) {
                int n = presentCount(presence[i]);
                if (n > 1) {
                    int keep = rnd.nextInt(n);
                    for (int mod = 0; mod < 4; mod++) {
                        if (presence[i][mod] > 0 && keep-- != 0) {
                            presence[i][mod] = 0;
                        }
                    }
                }
                continue;
            }
            for (int mod = 0; mod < 4; mod++) {
                if (presence[i][mod] > 0
                        && rnd.nextFloat() < options.dropout[mod]
                        && presentCount(presence[i]) > 1) {
                    presence[i][mod] = 0;
                }
            }
        }
        return presence;
    }

    private static Shape[] trainingShapes(ModelManifest manifest, int batch) {
        Shape[] base = FusionModel.inputShapes(manifest, batch);
        Shape[] all = Arrays.copyOf(base, base.length + 1);
        all[base.length] = base[5];
        return all;
    }

    private void checkpoint(
            Path dir, String fingerprint, Model model, SavableAdam adam, Random rnd, State state)
            throws IOException {
        model.save(dir, TRAINER_PARAMS);
        try (OutputStream out = Files.newOutputStream(dir.resolve("optimizer.bin"))) {
            adam.save(out);
        }
        try (ObjectOutputStream out =
                new ObjectOutputStream(Files.newOutputStream(dir.resolve("random.bin")))) {
            out.writeObject(rnd);
        }
        Map<String, Object> doc =
                Map.of(
                        "fingerprint", fingerprint,
                        "epochsDone", state.epochsDone,
                        "best", state.best,
                        "bestEpoch", state.bestEpoch,
                        "stageBestEpoch", state.stageBestEpoch,
                        "history", state.history);
        Path tmp = dir.resolve("state.json.tmp");
        JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), doc);
        // Last and atomic: a run killed mid-checkpoint resumes from the previous complete one.
        Files.move(
                tmp,
                dir.resolve("state.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private State restore(Path dir, String fingerprint, Model model, SavableAdam adam)
            throws IOException, MalformedModelException {
        var doc = JSON.readTree(dir.resolve("state.json").toFile());
        String saved = doc.path("fingerprint").asText();
        if (!saved.equals(fingerprint)) {
            throw new IOException(
                    "the checkpoint in "
                            + dir
                            + " was made with other settings or data ("
                            + saved
                            + "), this run has ("
                            + fingerprint
                            + "); start without --resume or use another checkpoint directory");
        }
        model.load(dir, TRAINER_PARAMS);
        try (InputStream in = Files.newInputStream(dir.resolve("optimizer.bin"))) {
            adam.load(in, model.getNDManager());
        }
        State s = new State();
        try (ObjectInputStream in =
                new ObjectInputStream(Files.newInputStream(dir.resolve("random.bin")))) {
            s.random = (Random) in.readObject();
        } catch (ClassNotFoundException e) {
            throw new IOException("unreadable random state in " + dir, e);
        }
        s.epochsDone = doc.path("epochsDone").asInt();
        s.best = doc.path("best").asDouble();
        s.bestEpoch = doc.path("bestEpoch").asInt();
        s.stageBestEpoch = doc.path("stageBestEpoch").asInt();
        for (var e : doc.path("history")) {
            s.history.add(
                    new Epoch(
                            e.path("epoch").asInt(),
                            Stage.valueOf(e.path("stage").asText()),
                            e.path("loss").asDouble(),
                            e.path("contrastive").asDouble(),
                            e.path("heldOutAccuracy").asDouble()));
        }
        return s;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Accuracy of the model on {@code idx}, all present modalities used. */
    public static double accuracy(
            Model model,
            WindowBatch batcher,
            List<AlignedWindow> windows,
            int[] labels,
            List<Integer> idx) {
        int correct = 0;
        for (int from = 0; from < idx.size(); from += 32) {
            List<Integer> part = idx.subList(from, Math.min(idx.size(), from + 32));
            try (NDManager m = model.getNDManager().newSubManager()) {
                ai.djl.nn.Block block =
                        model.getBlock() instanceof TrainingBlock t ? t.model() : model.getBlock();
                NDList out =
                        block.forward(
                                new ParameterStore(m, false),
                                batcher.toInputs(m, pick(windows, part)).tensors(),
                                false);
                long[] predicted = out.get(0).argMax(1).toLongArray();
                for (int i = 0; i < part.size(); i++) {
                    if (predicted[i] == labels[part.get(i)]) {
                        correct++;
                    }
                }
            }
        }
        return correct / (double) idx.size();
    }

    private static int presentCount(float[] row) {
        int n = 0;
        for (float v : row) {
            n += v > 0 ? 1 : 0;
        }
        return n;
    }

    private static List<AlignedWindow> pick(List<AlignedWindow> windows, List<Integer> idx) {
        List<AlignedWindow> out = new ArrayList<>(idx.size());
        for (int i : idx) {
            out.add(windows.get(i));
        }
        return out;
    }

    private static int[] pickLabels(int[] labels, List<Integer> idx) {
        int[] out = new int[idx.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = labels[idx.get(i)];
        }
        return out;
    }
}
