package io.avfuse.jobs.encode;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;

/**
 * Trains an encoder plus a linear classifier on a synthetic two-class task on the real PyTorch
 * engine and measures held-out accuracy: the shared loop of the encoder learning tests.
 */
final class EncoderTraining {
    /** Fills {@code labels} (0 or 1) and returns the matching input batch. */
    interface Task {
        NDArray sample(NDManager manager, float[] labels);
    }

    private EncoderTraining() {}

    static double heldOutAccuracy(
            Block encoder, Shape batchShape, Task task, int steps, float learningRate)
            throws Exception {
        SequentialBlock net =
                new SequentialBlock().add(encoder).add(Linear.builder().setUnits(2).build());
        int b = Math.toIntExact(batchShape.get(0));
        try (Model model = Model.newInstance("encoder", Device.cpu(), "PyTorch")) {
            model.getNDManager().getEngine().setRandomSeed(5);
            model.setBlock(net);
            DefaultTrainingConfig config =
                    new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                            .optOptimizer(
                                    Optimizer.adam()
                                            .optLearningRateTracker(Tracker.fixed(learningRate))
                                            .build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(batchShape);
                for (int step = 0; step < steps; step++) {
                    try (NDManager m = trainer.getManager().newSubManager()) {
                        float[] labels = new float[b];
                        NDArray x = task.sample(m, labels);
                        EasyTrain.trainBatch(
                                trainer,
                                new Batch(
                                        m,
                                        new NDList(x),
                                        new NDList(m.create(labels)),
                                        b,
                                        null,
                                        null,
                                        step,
                                        steps));
                        trainer.step();
                    }
                }
                int correct = 0;
                int total = 0;
                try (NDManager m = trainer.getManager().newSubManager()) {
                    for (int round = 0; round < 4; round++) {
                        float[] labels = new float[b];
                        NDArray x = task.sample(m, labels);
                        long[] predicted =
                                net.forward(new ParameterStore(m, false), new NDList(x), false)
                                        .singletonOrThrow()
                                        .argMax(1)
                                        .toLongArray();
                        for (int i = 0; i < b; i++) {
                            correct += predicted[i] == (long) labels[i] ? 1 : 0;
                            total++;
                        }
                    }
                }
                return correct / (double) total;
            }
        }
    }
}
