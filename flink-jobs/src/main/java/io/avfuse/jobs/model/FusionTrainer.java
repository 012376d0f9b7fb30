package io.avfuse.jobs.model;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.avfuse.jobs.encode.PretrainedFiles;
import io.avfuse.schemas.AlignedWindow;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Trains a {@link FusionModel} on labelled aligned windows: Adam, modality dropout (a present
 * modality is masked out with a per-modality probability, never the last one), a held-out split,
 * early stopping on held-out accuracy, and the best epoch written as a model directory.
 *
 * <p>{@code Result r = new FusionTrainer(options).train(manifest, tokenizer, windows, labels,
 * dir);}
 */
public final class FusionTrainer {
    /**
     * @param epochs most epochs
     * @param batchSize windows per step
     * @param learningRate Adam's rate
     * @param dropout per-modality probability (video, audio, text, metadata) of masking it out
     * @param validationFraction share of windows held out
     * @param patience epochs without improvement before stopping
     * @param seed shuffling, splits, dropout and initialisation
     */
    public record Options(
            int epochs,
            int batchSize,
            float learningRate,
            float[] dropout,
            double validationFraction,
            int patience,
            long seed) {}

    /** What training achieved, measured on the held-out windows. */
    public record Result(
            double heldOutAccuracy, int bestEpoch, int trainWindows, int heldOutWindows) {}

    private final Options options;
    private final PrintStream progress;

    public FusionTrainer(Options options, PrintStream progress) {
        this.options = options;
        this.progress = progress;
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
        Random rnd = new Random(options.seed());
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < windows.size(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, rnd);
        int held = Math.max(1, (int) Math.round(windows.size() * options.validationFraction()));
        List<Integer> validation = order.subList(0, held);
        List<Integer> training = new ArrayList<>(order.subList(held, order.size()));

        try (HuggingFaceTokenizer tokenizer =
                        HuggingFaceTokenizer.newInstance(tokenizerFile, Map.of());
                PretrainedEncoders encoders =
                        pretrained == null
                                ? PretrainedEncoders.none()
                                : PretrainedEncoders.open(manifest, pretrained);
                Model model =
                        Model.newInstance(ModelDirectory.PARAMETERS, Device.cpu(), "PyTorch")) {
            model.getNDManager().getEngine().setRandomSeed((int) options.seed());
            model.setBlock(new FusionModel(manifest));
            WindowBatch batcher = new WindowBatch(manifest, tokenizer, encoders);
            DefaultTrainingConfig config =
                    new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                            .optOptimizer(
                                    Optimizer.adam()
                                            .optLearningRateTracker(
                                                    Tracker.fixed(options.learningRate()))
                                            .build());
            double best = -1;
            int bestEpoch = -1;
            Path staging = Files.createTempDirectory("avfuse-train");
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(FusionModel.inputShapes(manifest, options.batchSize()));
                for (int epoch = 1; epoch <= options.epochs(); epoch++) {
                    Collections.shuffle(training, rnd);
                    double lossSum = 0;
                    int steps = 0;
                    for (int from = 0; from < training.size(); from += options.batchSize()) {
                        List<Integer> idx =
                                training.subList(
                                        from,
                                        Math.min(training.size(), from + options.batchSize()));
                        try (NDManager m = trainer.getManager().newSubManager()) {
                            WindowBatch.Inputs in = batcher.toInputs(m, pick(windows, idx));
                            NDList x = withDropout(m, in, rnd);
                            NDArray y =
                                    m.create(pickLabels(labels, idx))
                                            .toType(DataType.FLOAT32, false);
                            try (GradientCollector gc = trainer.newGradientCollector()) {
                                NDList out = trainer.forward(x);
                                NDArray loss =
                                        trainer.getLoss()
                                                .evaluate(new NDList(y), new NDList(out.get(0)));
                                gc.backward(loss);
                                lossSum += loss.getFloat();
                            }
                            trainer.step();
                            steps++;
                        }
                    }
                    double accuracy = accuracy(model, batcher, windows, labels, validation);
                    progress.printf(
                            "epoch %d/%d  loss %.4f  held-out accuracy %.3f%n",
                            epoch, options.epochs(), lossSum / Math.max(1, steps), accuracy);
                    if (accuracy > best) {
                        best = accuracy;
                        bestEpoch = epoch;
                        model.save(staging, ModelDirectory.PARAMETERS);
                    } else if (epoch - bestEpoch >= options.patience()) {
                        progress.printf("early stop: no gain for %d epochs%n", options.patience());
                        break;
                    }
                }
            }
            model.load(staging, ModelDirectory.PARAMETERS);
            deleteTree(staging);
            ModelDirectory.save(model, manifest, tokenizerFile, pretrained, modelDir);
            return new Result(best, bestEpoch, training.size(), validation.size());
        } catch (ai.djl.MalformedModelException e) {
            throw new IOException("cannot reload the best epoch: " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
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
                NDList out =
                        model.getBlock()
                                .forward(
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

    private NDList withDropout(NDManager m, WindowBatch.Inputs in, Random rnd) {
        float[][] presence = new float[in.presence().length][];
        for (int i = 0; i < presence.length; i++) {
            presence[i] = in.presence()[i].clone();
            for (int mod = 0; mod < 4; mod++) {
                if (presence[i][mod] > 0
                        && rnd.nextFloat() < options.dropout()[mod]
                        && presentCount(presence[i]) > 1) {
                    presence[i][mod] = 0;
                }
            }
        }
        NDList x = new NDList(in.tensors());
        x.set(5, m.create(presence));
        return x;
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
