package io.avfuse.jobs.infer;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.operators.ProcessingTimeService.ProcessingTimeCallback;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Collects samples across streams until {@code maxBatch} are waiting or the oldest has waited
 * {@code maxWaitMs} (processing time), then makes one model call for all of them.
 *
 * <p>Checkpoints stay exact without any operator state: the buffer is flushed before every
 * checkpoint barrier ({@link #prepareSnapshotPreBarrier}), before every watermark (so no result is
 * emitted behind a watermark it preceded) and at end of input. Each result keeps the event
 * timestamp of its sample.
 *
 * <p>Samples are buffered by reference. With object reuse on (the avfuse jobs' default) that is
 * safe only behind an operator that emits a new object per record, as the aligner does.
 *
 * <p>{@code stream.transform("infer", outType, new BatchingInferenceOperator<>(model, 32, 50))}
 */
public class BatchingInferenceOperator<IN, OUT> extends AbstractStreamOperator<OUT>
        implements OneInputStreamOperator<IN, OUT>, BoundedOneInput, ProcessingTimeCallback {
    private static final long serialVersionUID = 1L;

    /** Flink's external resource name for GPUs ({@code external-resources: gpu}). */
    static final String GPU_RESOURCE = "gpu";

    private final BatchInference<IN, OUT> inference;
    private final int maxBatch;
    private final long maxWaitMs;
    private final int configuredThreads;

    private transient List<StreamRecord<IN>> buffer;
    private transient long oldestArrivalMs;
    private transient boolean timerPending;
    private transient String device;
    private transient Histogram batchSize;
    private transient Histogram queueWaitMs;
    private transient Histogram modelTimeMs;
    private transient Counter samples;

    public BatchingInferenceOperator(
            BatchInference<IN, OUT> inference, int maxBatch, long maxWaitMs) {
        this(inference, maxBatch, maxWaitMs, 0);
    }

    /**
     * @param cpuThreads threads one model call may use on the CPU; 0: the TaskManager's cores
     *     divided by its slots, so that slots running at once do not oversubscribe the cores
     */
    public BatchingInferenceOperator(
            BatchInference<IN, OUT> inference, int maxBatch, long maxWaitMs, int cpuThreads) {
        if (maxBatch < 1 || maxWaitMs < 0 || cpuThreads < 0) {
            throw new IllegalArgumentException(
                    "need maxBatch >= 1, maxWaitMs >= 0 and cpuThreads >= 0");
        }
        this.inference = inference;
        this.maxBatch = maxBatch;
        this.maxWaitMs = maxWaitMs;
        this.configuredThreads = cpuThreads;
    }

    @Override
    public void open() throws Exception {
        super.open();
        buffer = new ArrayList<>(maxBatch);
        device = deviceFrom(getRuntimeContext().getExternalResourceInfos(GPU_RESOURCE));
        var group = getMetricGroup().addGroup("avfuse").addGroup("inference");
        batchSize = group.histogram("batchSize", new DescriptiveStatisticsHistogram(1000));
        queueWaitMs = group.histogram("queueWaitMs", new DescriptiveStatisticsHistogram(1000));
        modelTimeMs = group.histogram("modelTimeMs", new DescriptiveStatisticsHistogram(1000));
        samples = group.counter("samples");
        group.gauge("onGpu", () -> device.startsWith("gpu") ? 1 : 0);
        // The device as a label (device="gpu:0"), so dashboards can show and group by it.
        group.addGroup("device", device).gauge("info", () -> 1);
        int slots =
                getContainingTask()
                        .getEnvironment()
                        .getTaskManagerInfo()
                        .getConfiguration()
                        .get(TaskManagerOptions.NUM_TASK_SLOTS);
        int threads =
                cpuThreads(configuredThreads, Runtime.getRuntime().availableProcessors(), slots);
        group.gauge("cpuThreads", () -> threads);
        inference.open(device, threads);
    }

    /** What a slot's model calls may use: the configured count, else its share of the cores. */
    public static int cpuThreads(int configured, int cores, int slots) {
        return configured > 0 ? configured : Math.max(1, cores / Math.max(1, slots));
    }

    /** {@code gpu:<index>} of the first GPU Flink granted this TaskManager, else {@code cpu}. */
    static String deviceFrom(Set<ExternalResourceInfo> gpus) {
        for (ExternalResourceInfo gpu : gpus) {
            var index = gpu.getProperty("index");
            if (index.isPresent()) {
                return "gpu:" + index.get();
            }
        }
        return "cpu";
    }

    @Override
    public void processElement(StreamRecord<IN> element) throws Exception {
        long now = getProcessingTimeService().getCurrentProcessingTime();
        if (buffer.isEmpty()) {
            oldestArrivalMs = now;
            scheduleFlush(now + maxWaitMs);
        }
        buffer.add(element.copy(element.getValue()));
        if (buffer.size() >= maxBatch) {
            flush();
        }
    }

    @Override
    public void onProcessingTime(long time) throws Exception {
        timerPending = false;
        if (buffer.isEmpty()) {
            return;
        }
        if (time >= oldestArrivalMs + maxWaitMs) {
            flush();
        } else {
            scheduleFlush(oldestArrivalMs + maxWaitMs);
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        flush();
        super.processWatermark(mark);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flush();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void endInput() throws Exception {
        flush();
    }

    @Override
    public void finish() throws Exception {
        flush();
        super.finish();
    }

    @Override
    public void close() throws Exception {
        try {
            inference.close();
        } finally {
            super.close();
        }
    }

    private void scheduleFlush(long at) {
        if (!timerPending) {
            timerPending = true;
            getProcessingTimeService().registerTimer(at, this);
        }
    }

    private void flush() throws Exception {
        if (buffer == null || buffer.isEmpty()) {
            return;
        }
        List<IN> batch = new ArrayList<>(buffer.size());
        for (StreamRecord<IN> r : buffer) {
            batch.add(r.getValue());
        }
        long start = getProcessingTimeService().getCurrentProcessingTime();
        List<OUT> results = inference.infer(batch);
        long end = getProcessingTimeService().getCurrentProcessingTime();
        if (results.size() != batch.size()) {
            throw new IllegalStateException(
                    "model returned "
                            + results.size()
                            + " results for "
                            + batch.size()
                            + " samples");
        }
        batchSize.update(batch.size());
        queueWaitMs.update(start - oldestArrivalMs);
        modelTimeMs.update(end - start);
        samples.inc(batch.size());
        for (int i = 0; i < results.size(); i++) {
            output.collect(buffer.get(i).replace(results.get(i)));
        }
        buffer.clear();
    }
}
