package io.avfuse.jobs.infer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.operators.ProcessingTimeService.ProcessingTimeCallback;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.YieldingOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.util.function.ThrowingRunnable;

/**
 * Collects samples across streams until {@code maxBatch} are waiting or the oldest has waited
 * {@code maxWaitMs} (processing time), then makes one model call for all of them.
 *
 * <p>Checkpoints stay exact without any operator state: the buffer is flushed before every
 * checkpoint barrier ({@link #prepareSnapshotPreBarrier}), before every watermark (so no result is
 * emitted behind a watermark it preceded) and at end of input. Each result keeps the event
 * timestamp of its sample.
 *
 * <p>Pipelined ({@code pipelinedBatches} &gt; 0; the default is 0): the model runs on one thread of
 * the operator's own ({@code avfuse-infer-<subtask>}), which also opens and closes it (libtorch
 * keeps grad mode per thread), while the task thread goes on aligning and filling the next batch.
 * At most {@code pipelinedBatches} batches are handed over at once; past that the task thread waits
 * by running mail, never by blocking. Results come back as mail, so they are emitted on the task
 * thread in batch order; a watermark waits behind the batches handed over before it, and checkpoint
 * barriers, idleness and end of input wait until every batch is emitted, so the drained operator
 * still holds no state at a barrier. {@code 0} calls the model on the task thread, as before.
 *
 * <p>Samples are buffered by reference. With object reuse on (the avfuse jobs' default) that is
 * safe only behind an operator that emits a new object per record, as the aligner does.
 *
 * <p>{@code stream.transform("infer", outType, new BatchingInferenceOperator<>(model, 32, 50))}
 */
public class BatchingInferenceOperator<IN, OUT> extends AbstractStreamOperator<OUT>
        implements OneInputStreamOperator<IN, OUT>,
                BoundedOneInput,
                ProcessingTimeCallback,
                YieldingOperator<OUT> {
    private static final long serialVersionUID = 1L;

    /**
     * The model on the task thread: on 2 CPU cores, where the model's threads already take every
     * core, pipelining measured 0.93–0.96x of it (docs/benchmarks.md, "fourth round, P1"). Set 1
     * where the model has spare cores or a GPU to overlap with.
     */
    public static final int DEFAULT_PIPELINED_BATCHES = 0;

    /** Flink's external resource name for GPUs ({@code external-resources: gpu}). */
    static final String GPU_RESOURCE = "gpu";

    private final BatchInference<IN, OUT> inference;
    private final int maxBatch;
    private final long maxWaitMs;
    private final int configuredThreads;
    private final int pipelinedBatches;

    private transient List<StreamRecord<IN>> buffer;
    private transient long oldestArrivalMs;
    private transient boolean timerPending;
    private transient String device;
    private transient Histogram batchSize;
    private transient Histogram queueWaitMs;
    private transient Histogram modelTimeMs;
    private transient Counter samples;
    private transient Histogram taskWaitMs;
    private transient Counter taskWaitMsTotal;
    private transient MailboxExecutor mailbox;
    private transient ExecutorService modelThread;

    /** Handed-over batches and the watermarks that came after them, in arrival order. */
    private transient ArrayDeque<Object> handedOver;

    /** Written by the task thread only; volatile for the metric reporter's reads. */
    private transient volatile int inFlight;

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
        this(inference, maxBatch, maxWaitMs, cpuThreads, DEFAULT_PIPELINED_BATCHES);
    }

    /**
     * @param pipelinedBatches batches the model thread may hold while the task thread fills the
     *     next; 0: the model runs on the task thread
     */
    public BatchingInferenceOperator(
            BatchInference<IN, OUT> inference,
            int maxBatch,
            long maxWaitMs,
            int cpuThreads,
            int pipelinedBatches) {
        if (maxBatch < 1 || maxWaitMs < 0 || cpuThreads < 0 || pipelinedBatches < 0) {
            throw new IllegalArgumentException(
                    "need maxBatch >= 1, maxWaitMs >= 0, cpuThreads >= 0 and pipelinedBatches"
                            + " >= 0");
        }
        this.inference = inference;
        this.maxBatch = maxBatch;
        this.maxWaitMs = maxWaitMs;
        this.configuredThreads = cpuThreads;
        this.pipelinedBatches = pipelinedBatches;
    }

    @Override
    public void setMailboxExecutor(MailboxExecutor mailboxExecutor) {
        this.mailbox = mailboxExecutor;
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
        group.gauge("inFlightBatches", () -> inFlight);
        taskWaitMs = group.histogram("taskWaitMs", new DescriptiveStatisticsHistogram(1000));
        taskWaitMsTotal = group.counter("taskWaitMsTotal");
        handedOver = new ArrayDeque<>();
        if (pipelinedBatches == 0) {
            inference.open(device, threads);
            return;
        }
        if (mailbox == null) {
            mailbox =
                    getContainingTask()
                            .getMailboxExecutorFactory()
                            .createExecutor(getOperatorConfig().getChainIndex());
        }
        String name = "avfuse-infer-" + getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        modelThread =
                Executors.newSingleThreadExecutor(
                        r -> {
                            Thread t = new Thread(r, name);
                            t.setDaemon(true);
                            return t;
                        });
        // Opened where it will run: grad mode and the intra-op thread count are per thread.
        onModelThread(
                () -> {
                    inference.open(device, threads);
                    return null;
                });
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
        if (handedOver == null || handedOver.isEmpty()) {
            super.processWatermark(mark);
        } else {
            handedOver.add(mark); // forwarded once the batches before it are emitted
        }
    }

    @Override
    public void processWatermarkStatus(WatermarkStatus status) throws Exception {
        if (status.isIdle()) {
            drain(); // an idle output must not emit records afterwards
        }
        super.processWatermarkStatus(status);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        drain();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void endInput() throws Exception {
        drain();
    }

    @Override
    public void finish() throws Exception {
        drain();
        super.finish();
    }

    @Override
    public void close() throws Exception {
        try {
            if (modelThread == null) {
                inference.close();
            } else {
                onModelThread(
                        () -> {
                            inference.close();
                            return null;
                        });
            }
        } finally {
            if (modelThread != null) {
                modelThread.shutdownNow();
            }
            super.close();
        }
    }

    /** Batches handed to the model thread and not yet emitted (visible for tests). */
    protected int inFlightBatches() {
        return inFlight;
    }

    /**
     * Flushes the buffer and waits, running mail, until every handed-over batch is emitted: the
     * model is idle and the operator holds nothing.
     */
    protected void drain() throws Exception {
        flush();
        while (inFlight > 0) {
            awaitMail();
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
        List<StreamRecord<IN>> records = new ArrayList<>(buffer);
        long arrival = oldestArrivalMs;
        buffer.clear();
        if (modelThread == null) {
            emit(records, arrival, call(records));
            return;
        }
        while (inFlight >= pipelinedBatches) {
            awaitMail();
        }
        inFlight++;
        handedOver.add(records);
        modelThread.execute(() -> callAndReturn(records, arrival));
    }

    /** On the model thread: one call, whose results or failure go back to the task as mail. */
    private void callAndReturn(List<StreamRecord<IN>> records, long arrival) {
        ThrowingRunnable<Exception> mail;
        try {
            Call<OUT> done = call(records);
            mail = () -> emitHandedOver(records, arrival, done);
        } catch (Throwable t) {
            mail =
                    () -> {
                        // Counted out, so that closing after the failure does not wait for it.
                        handedOver.poll();
                        inFlight--;
                        throw new Exception("the model call failed", t);
                    };
        }
        try {
            mailbox.execute(mail, "avfuse infer results");
        } catch (RejectedExecutionException | IllegalStateException closed) {
            // The task is going down: its output is gone and a restart replays these samples.
        }
    }

    private void emitHandedOver(List<StreamRecord<IN>> records, long arrival, Call<OUT> done)
            throws Exception {
        if (handedOver.poll() != records) {
            throw new IllegalStateException("model results came back out of order");
        }
        inFlight--;
        emit(records, arrival, done);
        while (handedOver.peek() instanceof Watermark mark) {
            handedOver.poll();
            super.processWatermark(mark);
        }
    }

    /**
     * Runs one mail (a model result, a timer), accounting the time the task thread spent waiting
     * for it and running it.
     */
    private void awaitMail() throws InterruptedException {
        long start = System.nanoTime();
        mailbox.yield();
        long waitedMs = (System.nanoTime() - start) / 1_000_000;
        taskWaitMs.update(waitedMs);
        taskWaitMsTotal.inc(waitedMs);
    }

    private <T> T onModelThread(Callable<T> work) throws Exception {
        try {
            return modelThread.submit(work).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** One model call's results and when it ran. */
    private record Call<OUT>(List<OUT> results, long startMs, long endMs) {}

    private Call<OUT> call(List<StreamRecord<IN>> records) throws Exception {
        List<IN> batch = new ArrayList<>(records.size());
        for (StreamRecord<IN> r : records) {
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
        return new Call<>(results, start, end);
    }

    /** On the task thread: the results, each with its sample's timestamp, and the metrics. */
    private void emit(List<StreamRecord<IN>> records, long arrival, Call<OUT> done) {
        batchSize.update(records.size());
        queueWaitMs.update(done.startMs() - arrival);
        modelTimeMs.update(done.endMs() - done.startMs());
        samples.inc(records.size());
        for (int i = 0; i < records.size(); i++) {
            output.collect(records.get(i).replace(done.results().get(i)));
        }
    }
}
