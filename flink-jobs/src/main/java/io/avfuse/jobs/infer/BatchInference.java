package io.avfuse.jobs.infer;

import java.io.Serializable;
import java.util.List;

/**
 * One model call over a batch, as the batching operator drives it: opened once per subtask on the
 * device Flink granted, then called with batches, then closed. Not thread-safe, like a DJL
 * Predictor: each subtask has its own instance.
 *
 * @param <IN> one sample
 * @param <OUT> one result
 */
public interface BatchInference<IN, OUT> extends Serializable {
    /**
     * Loads the model; {@code device} is {@code "cpu"} or {@code "gpu:<index>"}; on the CPU the
     * model may use {@code cpuThreads} threads (0: the engine's default).
     */
    void open(String device, int cpuThreads) throws Exception;

    /** Results for {@code batch}, one per sample, in order. */
    List<OUT> infer(List<IN> batch) throws Exception;

    void close() throws Exception;
}
