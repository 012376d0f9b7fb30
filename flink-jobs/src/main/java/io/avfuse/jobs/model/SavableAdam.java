package io.avfuse.jobs.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.optimizer.Optimizer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Adam (the same update as DJL's, through the engine's fused {@code adamUpdate}) whose moments and
 * step counts can be written to a checkpoint and read back, so that a resumed training run
 * continues exactly where it stopped. DJL's own Adam keys its state by parameter ids, which are new
 * in every process, and does not expose it; this one keys it by parameter name.
 *
 * <p>{@code SavableAdam adam = new SavableAdam(0.003f, block.getParameters());}
 */
public final class SavableAdam extends Optimizer {
    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPSILON = 1e-8f;

    private final Map<String, String> nameOfId = new HashMap<>();
    private final Map<String, NDArray> means = new TreeMap<>();
    private final Map<String, NDArray> variances = new TreeMap<>();
    private final Map<String, Integer> steps = new TreeMap<>();
    private float learningRate;

    public SavableAdam(
            float learningRate, ai.djl.util.PairList<String, ai.djl.nn.Parameter> parameters) {
        super(new Builder());
        this.learningRate = learningRate;
        for (var p : parameters) {
            nameOfId.put(p.getValue().getId(), p.getKey());
        }
    }

    /** Later steps use {@code rate} (the fine-tuning stage lowers it). */
    public void setLearningRate(float rate) {
        this.learningRate = rate;
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        String name = nameOfId.getOrDefault(parameterId, parameterId);
        int t = steps.merge(name, 1, Integer::sum);
        double coef1 = 1.0 - Math.pow(BETA1, t);
        double coef2 = 1.0 - Math.pow(BETA2, t);
        float corrected = (float) (learningRate * Math.sqrt(coef2) / coef1);
        NDArray mean = means.computeIfAbsent(name, k -> detached(weight.zerosLike()));
        NDArray variance = variances.computeIfAbsent(name, k -> detached(weight.zerosLike()));
        weight.getNDArrayInternal()
                .adamUpdate(
                        new NDList(weight, grad, mean, variance),
                        new NDList(weight),
                        learningRate,
                        corrected,
                        getWeightDecay(),
                        rescaleGrad,
                        clipGrad,
                        BETA1,
                        BETA2,
                        EPSILON,
                        true,
                        false);
    }

    private static NDArray detached(NDArray a) {
        a.detach();
        return a;
    }

    /** Writes the moments and step counts of every parameter updated so far. */
    public void save(OutputStream out) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        data.writeFloat(learningRate);
        data.writeInt(steps.size());
        NDList arrays = new NDList();
        for (var e : steps.entrySet()) {
            data.writeUTF(e.getKey());
            data.writeInt(e.getValue());
            arrays.add(means.get(e.getKey()));
            arrays.add(variances.get(e.getKey()));
        }
        data.flush();
        arrays.encode(out);
    }

    /** Reads what {@link #save} wrote; the arrays live on {@code manager}. */
    public void load(InputStream in, NDManager manager) throws IOException {
        DataInputStream data = new DataInputStream(in);
        learningRate = data.readFloat();
        int n = data.readInt();
        String[] names = new String[n];
        for (int i = 0; i < n; i++) {
            names[i] = data.readUTF();
            steps.put(names[i], data.readInt());
        }
        NDList arrays = NDList.decode(manager, in);
        for (int i = 0; i < n; i++) {
            means.put(names[i], detached(arrays.get(2 * i)));
            variances.put(names[i], detached(arrays.get(2 * i + 1)));
        }
    }

    private static final class Builder extends OptimizerBuilder<Builder> {
        @Override
        protected Builder self() {
            return this;
        }
    }
}
