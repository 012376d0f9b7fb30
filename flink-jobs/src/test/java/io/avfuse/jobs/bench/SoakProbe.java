package io.avfuse.jobs.bench;

import io.avfuse.jobs.job.JobRest;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * What the soak samples, the way an operator would see it: the heap of this JVM (which runs the
 * job) after a full GC, the latest checkpoint from Flink's REST API, the job's consumer-group lag
 * per input topic from Kafka, and committed predictions per second. All on loopback.
 *
 * <p>{@code try (SoakProbe probe = new SoakProbe(broker.adminProperties(), "live", inputs,
 * "live.predictions", restUrl, jobId)) { probe.sample(20.0, behindMs); }}
 */
final class SoakProbe implements AutoCloseable {
    private static final long TIMEOUT_S = 15;

    /** One sample; {@code lag} is per input topic, in the order given to the probe. */
    record Sample(
            double atS,
            long heapAfterGcBytes,
            long checkpointId,
            long checkpointBytes,
            long checkpointMs,
            long checkpointsCompleted,
            long checkpointsFailed,
            long[] lag,
            double consumedPerS,
            double predictionsPerS,
            long producerBehindMs) {
        long totalLag() {
            long sum = 0;
            for (long l : lag) {
                sum += l;
            }
            return sum;
        }
    }

    private final Admin admin;
    private final String group;
    private final List<String> inputs;
    private final TopicPartition predictions;
    private final String restUrl;
    private final JobID job;

    /** Every completed checkpoint seen in the REST history, by id: its duration in ms. */
    private final Map<Long, Long> durationsMs = new TreeMap<>();

    /** Checkpoints that had failed before the first sample: while the tasks were deploying. */
    private final long failedAtStart;

    private String lastFailure = "";
    private long lastPredictionsEnd = -1;
    private long lastCommitted = -1;
    private double lastAtS;

    SoakProbe(
            Properties adminProperties,
            String group,
            List<String> inputs,
            String predictionsTopic,
            String restUrl,
            JobID job)
            throws Exception {
        this.admin = Admin.create(adminProperties);
        this.group = group;
        this.inputs = List.copyOf(inputs);
        this.predictions = new TopicPartition(predictionsTopic, 0);
        this.restUrl = restUrl;
        this.job = job;
        this.failedAtStart =
                JobRest.checkpoints(restUrl, job).path("counts").path("failed").asLong();
    }

    Sample sample(double atS, long producerBehindMs) throws Exception {
        long heap = heapAfterGc();
        JsonNode cp = JobRest.checkpoints(restUrl, job);
        for (JsonNode h : cp.path("history")) {
            if (h.path("status").asText().equals("COMPLETED")) {
                durationsMs.put(h.get("id").asLong(), h.get("end_to_end_duration").asLong());
            }
        }
        JsonNode latest = cp.path("latest").path("completed");
        JsonNode failed = cp.path("latest").path("failed");
        if (failed.has("id")) {
            lastFailure =
                    "#"
                            + failed.get("id").asLong()
                            + ": "
                            + failed.path("failure_message").asText();
        }
        long[] committed = new long[inputs.size()];
        long[] lag = lag(committed);
        long committedSum = Arrays.stream(committed).sum();
        long predictionsEnd = committedEnd(predictions);
        double dt = atS - lastAtS;
        double consumedPerS = lastCommitted < 0 ? Double.NaN : (committedSum - lastCommitted) / dt;
        double perS =
                lastPredictionsEnd < 0 ? Double.NaN : (predictionsEnd - lastPredictionsEnd) / dt;
        lastCommitted = committedSum;
        lastPredictionsEnd = predictionsEnd;
        lastAtS = atS;
        return new Sample(
                atS,
                heap,
                latest.path("id").asLong(-1),
                latest.path("state_size").asLong(-1),
                latest.path("end_to_end_duration").asLong(-1),
                cp.path("counts").path("completed").asLong(),
                cp.path("counts").path("failed").asLong() - failedAtStart,
                lag,
                consumedPerS,
                perS,
                producerBehindMs);
    }

    /** How many checkpoints failed before the probe started (tasks still deploying). */
    long failedAtStart() {
        return failedAtStart;
    }

    /** The latest failed checkpoint and its reason, empty if none failed. */
    String lastFailure() {
        return lastFailure;
    }

    /** Durations (ms) of every completed checkpoint the samples saw, in checkpoint order. */
    double[] checkpointDurationsMs() {
        return durationsMs.values().stream().mapToDouble(Long::doubleValue).toArray();
    }

    /**
     * The aligner's counters summed over its subtasks and modalities: windows emitted, flushed
     * while the input was idle, forced out by the pending-window cap, and records that came after
     * their window (dead-lettered as late). Read while the job still runs.
     */
    Map<String, Long> alignerCounters() throws Exception {
        return JobRest.vertexMetricSums(
                restUrl,
                job,
                "align",
                ".align.",
                "windowsEmitted",
                "windowsFlushedIdle",
                "windowsForcedByCap",
                "lateRecords");
    }

    /** Heap in use right after a full collection: what the job holds on to, not its garbage. */
    private static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /**
     * Latest offset minus the group's committed offset, per input topic (partition 0 each). The
     * Flink Kafka source commits only when a checkpoint completes, so this is what an operator's
     * lag alert sees: up to one checkpoint interval of input even when the job keeps up. Fills
     * {@code committedOut} with the committed offsets.
     */
    private long[] lag(long[] committedOut) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed =
                admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata()
                        .get(TIMEOUT_S, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        List<TopicPartition> parts = new ArrayList<>();
        for (String topic : inputs) {
            TopicPartition tp = new TopicPartition(topic, 0);
            parts.add(tp);
            latest.put(tp, OffsetSpec.latest());
        }
        var ends = admin.listOffsets(latest).all().get(TIMEOUT_S, TimeUnit.SECONDS);
        long[] lag = new long[parts.size()];
        for (int i = 0; i < parts.size(); i++) {
            OffsetAndMetadata c = committed.get(parts.get(i));
            committedOut[i] = c == null ? 0 : c.offset();
            lag[i] = ends.get(parts.get(i)).offset() - committedOut[i];
        }
        return lag;
    }

    /** The last stable offset: records of committed transactions (plus their markers) below it. */
    private long committedEnd(TopicPartition tp) throws Exception {
        return admin.listOffsets(
                        Map.of(tp, OffsetSpec.latest()),
                        new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .all()
                .get(TIMEOUT_S, TimeUnit.SECONDS)
                .get(tp)
                .offset();
    }

    @Override
    public void close() {
        admin.close();
    }
}
