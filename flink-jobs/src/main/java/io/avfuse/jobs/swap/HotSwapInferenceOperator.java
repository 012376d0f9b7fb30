package io.avfuse.jobs.swap;

import io.avfuse.jobs.infer.BatchingInferenceOperator;
import io.avfuse.jobs.model.FusionInference;
import io.avfuse.jobs.model.Scored;
import io.avfuse.schemas.AlignedWindow;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batching inference operator with hot model swaps: a background {@link ModelLoader} loads each
 * announced model, and the switch happens in {@link #prepareSnapshotPreBarrier} right after the
 * batch buffer is flushed and every batch handed to the model thread is emitted. So every result
 * before a checkpoint barrier comes from the old model and every result after it from the new one,
 * never a mixed batch, and the checkpoint that first holds the new model's directory (operator
 * state) is the one whose barrier it follows: a restore serves the version that was serving, with
 * no window lost or repeated.
 *
 * <p>Metrics (group {@code avfuse.model}): {@code modelSwaps} and {@code modelLoadFailures}
 * (counters), {@code modelLoadFailing} (1 from a refused announcement until a later load succeeds),
 * {@code modelVersionHash} (a non-negative hash of the serving manifest version: equal across
 * subtasks once they all serve the same version), and per version seen {@code version.<v>.serving}
 * (a {@code version} label; 1 while that version serves, else 0).
 *
 * <p>{@code windows.transform("infer", type, new HotSwapInferenceOperator(modelDir, swaps, 32, 50,
 * 0))}
 */
public class HotSwapInferenceOperator extends BatchingInferenceOperator<AlignedWindow, Scored> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(HotSwapInferenceOperator.class);

    private final SwappableInference model;
    private final ModelSwapSettings settings;

    /** (configured model.dir, serving model dir) of every subtask. */
    private transient ListState<Tuple2<String, String>> servingState;

    private transient ModelLoader loader;
    private transient Counter swaps;
    private transient Counter failures;
    private transient volatile int versionHash;
    private transient volatile String servingVersion;
    private transient MetricGroup modelGroup;
    private transient Set<String> versionsSeen;

    /**
     * @param modelDir the model served at a fresh start ({@code model.dir})
     * @param cpuThreads as {@link BatchingInferenceOperator}'s
     */
    public HotSwapInferenceOperator(
            Path modelDir,
            ModelSwapSettings settings,
            int maxBatch,
            long maxWaitMs,
            int cpuThreads) {
        this(modelDir, settings, maxBatch, maxWaitMs, cpuThreads, DEFAULT_PIPELINED_BATCHES);
    }

    /**
     * @param pipelinedBatches as {@link BatchingInferenceOperator}'s
     */
    public HotSwapInferenceOperator(
            Path modelDir,
            ModelSwapSettings settings,
            int maxBatch,
            long maxWaitMs,
            int cpuThreads,
            int pipelinedBatches) {
        this(
                new SwappableInference(modelDir),
                settings,
                maxBatch,
                maxWaitMs,
                cpuThreads,
                pipelinedBatches);
    }

    private HotSwapInferenceOperator(
            SwappableInference model,
            ModelSwapSettings settings,
            int maxBatch,
            long maxWaitMs,
            int cpuThreads,
            int pipelinedBatches) {
        super(model, maxBatch, maxWaitMs, cpuThreads, pipelinedBatches);
        this.model = model;
        this.settings = settings;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        // Union state: after a rescale every subtask still finds the serving directory.
        servingState =
                context.getOperatorStateStore()
                        .getUnionListState(
                                new ListStateDescriptor<>(
                                        "serving-model", Types.TUPLE(Types.STRING, Types.STRING)));
        if (context.isRestored()) {
            for (Tuple2<String, String> entry : servingState.get()) {
                // A restart with another model.dir is an explicit choice: it wins over the state.
                if (entry.f0.equals(model.configuredDir())) {
                    model.restoreFrom(entry.f1);
                    break;
                }
            }
        }
    }

    @Override
    public void open() throws Exception {
        var group = getMetricGroup().addGroup("avfuse").addGroup("model");
        modelGroup = group;
        versionsSeen = new HashSet<>();
        swaps = group.counter("modelSwaps");
        failures = group.counter("modelLoadFailures", new ThreadSafeSimpleCounter());
        super.open(); // opens the restored or configured model
        serving(model.manifest().version());
        loader = new ModelLoader(settings, model.device(), failures, subtaskName());
        loader.serving(model.activeDir(), model.manifest());
        if (model.restoreProblem() != null) {
            loader.failedElsewhere();
        }
        group.gauge("modelLoadFailing", (Gauge<Integer>) () -> loader.failing() ? 1 : 0);
        group.gauge("modelVersionHash", (Gauge<Integer>) () -> versionHash);
        if (settings.enabled()) {
            loader.start();
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        // Drains: the buffer is empty and no batch is with the model thread, so switching here
        // mixes no models in a batch. The next batch is handed over after the switch, which makes
        // the new model visible to the model thread.
        super.prepareSnapshotPreBarrier(checkpointId);
        var ready = loader.takeReady();
        if (ready.isEmpty()) {
            return;
        }
        ModelLoader.Ready next = ready.get();
        String from = model.manifest().version();
        FusionInference old =
                model.switchTo(next.announcement().dir(), next.inference(), next.manifest());
        loader.serving(model.activeDir(), model.manifest());
        serving(model.manifest().version());
        swaps.inc();
        old.close();
        LOG.info(
                "{}: switched from model {} to {} ({}) at checkpoint {}",
                subtaskName(),
                from,
                model.manifest().version(),
                model.activeDir(),
                checkpointId);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        servingState.update(List.of(Tuple2.of(model.configuredDir(), model.activeDir())));
    }

    @Override
    public void close() throws Exception {
        try {
            if (loader != null) {
                loader.close();
            }
        } finally {
            super.close();
        }
    }

    /** Points the version metrics at {@code version}, registering its gauge the first time. */
    private void serving(String version) {
        servingVersion = version;
        versionHash = hash(version);
        if (versionsSeen.add(version)) {
            modelGroup
                    .addGroup("version", version)
                    .gauge(
                            "serving",
                            (Gauge<Integer>) () -> version.equals(servingVersion) ? 1 : 0);
        }
    }

    /** "infer 2/4": the chained task's name would be the whole chain. */
    private String subtaskName() {
        var task = getRuntimeContext().getTaskInfo();
        return getOperatorName()
                + " "
                + (task.getIndexOfThisSubtask() + 1)
                + "/"
                + task.getNumberOfParallelSubtasks();
    }

    /** The background loader (visible for tests). */
    ModelLoader loader() {
        return loader;
    }

    /** What {@code modelVersionHash} reports for {@code version}. */
    public static int hash(String version) {
        return version.hashCode() & 0x7fffffff;
    }
}
