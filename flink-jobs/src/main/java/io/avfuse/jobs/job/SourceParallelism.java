package io.avfuse.jobs.job;

import io.avfuse.connectors.kafka.KafkaAccess;
import io.avfuse.jobs.align.Modality;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each Kafka input source on no more subtasks than its topic has partitions. A source subtask
 * without a partition never delivers a record, so it would hold every window back for {@code
 * watermarks.idleness.startup} after each start and restart (docs/reliability.md). Partitions added
 * later are read by the existing subtasks (partition discovery); a rescale re-reads the counts.
 *
 * <p>{@code JobConfig fitted = SourceParallelism.fitToPartitions(cfg);}
 */
public final class SourceParallelism {
    private static final Logger LOG = LoggerFactory.getLogger(SourceParallelism.class);

    /** Long enough for a broker that just answered {@link JobCli#checkKafka}; short at submit. */
    static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(10);

    private SourceParallelism() {}

    /**
     * {@code cfg} with each source's parallelism at min({@code job.parallelism}, its topic's
     * partitions); {@code cfg} itself when the job runs one subtask or the lookup fails (with a
     * warning: the job then runs, but may start late).
     */
    public static JobConfig fitToPartitions(JobConfig cfg) {
        int parallelism = cfg.get(JobOptions.PARALLELISM);
        if (parallelism == 1) {
            return cfg;
        }
        Map<Modality, String> topics = new EnumMap<>(Modality.class);
        topics.put(Modality.VIDEO, cfg.get(JobOptions.TOPIC_VIDEO));
        topics.put(Modality.AUDIO, cfg.get(JobOptions.TOPIC_AUDIO));
        topics.put(Modality.TEXT, cfg.get(JobOptions.TOPIC_TEXT));
        Map<String, Integer> partitions;
        try {
            partitions =
                    KafkaAccess.partitionCounts(
                            cfg.kafka(), new HashSet<>(topics.values()), LOOKUP_TIMEOUT);
        } catch (KafkaAccess.KafkaAccessException e) {
            LOG.warn(
                    "cannot read the partition counts of the input topics {} ({}): every source"
                            + " runs {} subtasks, and one that gets no partition holds every"
                            + " window back for watermarks.idleness.startup ({}) after each start"
                            + " and restart",
                    topics.values(),
                    e.getMessage(),
                    parallelism,
                    cfg.get(JobOptions.IDLENESS_STARTUP));
            return cfg;
        }
        Map<Modality, Integer> fitted = new EnumMap<>(Modality.class);
        topics.forEach((m, topic) -> fitted.put(m, Math.min(parallelism, partitions.get(topic))));
        LOG.info("source subtasks (at most one per partition): {}", fitted);
        return cfg.withSourceParallelism(fitted);
    }
}
