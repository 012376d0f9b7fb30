package io.avfuse.jobs.bench;

import io.avfuse.jobs.infer.BatchInference;
import io.avfuse.jobs.model.Scored;
import io.avfuse.schemas.AlignedWindow;
import io.avfuse.schemas.Embedding;
import io.avfuse.schemas.ModalityPresence;
import io.avfuse.schemas.Prediction;
import io.avfuse.schemas.StageTimes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * BENCHMARK STUB, never a model: fixed results of the real model's shape (one score per label,
 * fused, video and audio embeddings) without calling libtorch, so that P1's end-to-end run measures
 * the pipeline's own ceiling (sources, decode, exchange, aligner, checkpoints, sinks). The records
 * are built per window as {@code FusionInference} builds them, so the sinks encode the same sizes.
 */
final class FreeModelStub implements BatchInference<AlignedWindow, Scored> {
    private static final long serialVersionUID = 1L;

    private final List<String> labels;
    private final int embedding;
    private final String version;
    private transient List<Float> scores;
    private transient List<Float> vector;

    FreeModelStub(List<String> labels, int embedding, String version) {
        this.labels = List.copyOf(labels);
        this.embedding = embedding;
        this.version = version;
    }

    @Override
    public void open(String device, int cpuThreads) {
        scores = Collections.nCopies(labels.size(), 1f / labels.size());
        vector = Collections.nCopies(embedding, 0.5f);
    }

    @Override
    public List<Scored> infer(List<AlignedWindow> batch) {
        long nowUs = System.currentTimeMillis() * 1000;
        ModalityPresence presence =
                ModalityPresence.newBuilder()
                        .setVideo(true)
                        .setAudio(true)
                        .setText(false)
                        .setMetadata(false)
                        .build();
        List<Scored> out = new ArrayList<>(batch.size());
        for (AlignedWindow w : batch) {
            StageTimes times =
                    StageTimes.newBuilder()
                            .setAlignedAtUs(w.getAlignedAtUs())
                            .setInferenceStartUs(nowUs)
                            .setInferenceEndUs(nowUs)
                            .setEmittedAtUs(nowUs)
                            .setBatchSize(batch.size())
                            .build();
            Prediction prediction =
                    Prediction.newBuilder()
                            .setStreamId(w.getStreamId())
                            .setWindowStartUs(w.getWindowStartUs())
                            .setWindowEndUs(w.getWindowEndUs())
                            .setLabel(labels.get(0))
                            .setLabelIndex(0)
                            .setConfidence(scores.get(0))
                            .setScores(new ArrayList<>(scores))
                            .setPresence(presence)
                            .setDegraded(false)
                            .setModelVersion(version)
                            .setTimes(times)
                            .build();
            Embedding e =
                    Embedding.newBuilder()
                            .setStreamId(w.getStreamId())
                            .setWindowStartUs(w.getWindowStartUs())
                            .setWindowEndUs(w.getWindowEndUs())
                            .setPresence(presence)
                            .setModelVersion(version)
                            .setFused(new ArrayList<>(vector))
                            .setVideo(new ArrayList<>(vector))
                            .setAudio(new ArrayList<>(vector))
                            .setTimes(times)
                            .build();
            out.add(new Scored(prediction, e));
        }
        return out;
    }

    @Override
    public void close() {}
}
