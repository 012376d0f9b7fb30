package io.avfuse.jobs.fuse;

import io.avfuse.jobs.model.Scored;
import io.avfuse.schemas.Prediction;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * Takes the prediction out of a scored window and measures it, in the metric group {@code
 * avfuse.fusion}: {@code predictions}, {@code degradedPredictions} (their ratio is the degraded
 * rate), {@code class.<label>.predictions} (a {@code class} label in Prometheus) and the histogram
 * {@code windowEndToPredictionMs}: from the window's end (event time) to the prediction being
 * handed on (wall clock), the latency a live source sees.
 *
 * <p>{@code scored.map(new PredictionMetrics()).returns(new AvroTypeInfo<>(Prediction.class))}
 */
public class PredictionMetrics extends RichMapFunction<Scored, Prediction> {
    private static final long serialVersionUID = 1L;

    private transient MetricGroup group;
    private transient Counter predictions;
    private transient Counter degraded;
    private transient Map<String, Counter> perClass;
    private transient Histogram latencyMs;

    @Override
    public void open(OpenContext openContext) {
        group = getRuntimeContext().getMetricGroup().addGroup("avfuse").addGroup("fusion");
        predictions = group.counter("predictions");
        degraded = group.counter("degradedPredictions");
        perClass = new HashMap<>();
        latencyMs =
                group.histogram(
                        "windowEndToPredictionMs", new DescriptiveStatisticsHistogram(1000));
    }

    @Override
    public Prediction map(Scored scored) {
        Prediction p = scored.prediction;
        predictions.inc();
        if (p.getDegraded()) {
            degraded.inc();
        }
        // Labels come from the serving model's manifest, and a hot swap may bring new ones.
        perClass.computeIfAbsent(
                        p.getLabel(),
                        label -> group.addGroup("class", label).counter("predictions"))
                .inc();
        long emittedUs = p.getTimes().getEmittedAtUs();
        latencyMs.update(
                ((emittedUs > 0 ? emittedUs : System.currentTimeMillis() * 1000)
                                - p.getWindowEndUs())
                        / 1000);
        return p;
    }
}
