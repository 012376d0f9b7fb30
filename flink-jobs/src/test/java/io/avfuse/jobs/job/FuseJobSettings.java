package io.avfuse.jobs.job;

import io.avfuse.connectors.broker.KafkaBrokerExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The fuse job as the job ITCases run it: the production {@link FuseJob#defineFromKafka} path on
 * the MiniCluster of the calling test, with their shared defaults (small batches, 1 s source
 * idleness also before a source's first record, two subtasks, checkpoints every 500 ms) that each
 * test overrides where it needs to.
 */
public final class FuseJobSettings {
    private final Map<String, String> entries = new LinkedHashMap<>();

    /** Names of the topics one test's job reads and writes, unique on the shared broker. */
    public record Topics(
            String video,
            String audio,
            String text,
            String predictions,
            String embeddings,
            String deadletter) {
        /** Fresh names starting with {@code prefix}; nothing is created. */
        public static Topics unique(KafkaBrokerExtension kafka, String prefix) {
            return new Topics(
                    kafka.uniqueTopic(prefix + "-video"),
                    kafka.uniqueTopic(prefix + "-audio"),
                    kafka.uniqueTopic(prefix + "-text"),
                    kafka.uniqueTopic(prefix + "-predictions"),
                    kafka.uniqueTopic(prefix + "-embeddings"),
                    kafka.uniqueTopic(prefix + "-deadletter"));
        }

        /** These names with other input topics (a test that produced its inputs elsewhere). */
        public Topics withInputs(String newVideo, String newAudio, String newText) {
            return new Topics(newVideo, newAudio, newText, predictions, embeddings, deadletter);
        }
    }

    private FuseJobSettings() {}

    /** The job on {@code topics} of the broker at {@code bootstrap}, serving {@code model}. */
    public static FuseJobSettings of(String bootstrap, Topics topics, Path model) {
        return new FuseJobSettings()
                .set("kafka.bootstrap-servers", bootstrap)
                .set("kafka.group-id", "it-" + topics.predictions())
                .set("topics.video", topics.video())
                .set("topics.audio", topics.audio())
                .set("topics.text", topics.text())
                .set("topics.predictions", topics.predictions())
                .set("topics.embeddings", topics.embeddings())
                .set("topics.deadletter", topics.deadletter())
                .set("model.dir", model)
                .set("inference.batch-size", 4)
                .set("inference.max-wait", "100ms")
                .set("watermarks.idleness", "1s")
                // The job's start-up bound (30 s) would hold every window for that long behind
                // the empty text partitions; tests about the start and restarts
                // (HostileInputITCase) use it, the others do not.
                .set("watermarks.idleness.startup", "1s")
                .set("job.parallelism", 2)
                .set("job.checkpoint-interval", "500ms");
    }

    /** Sets or overrides one {@link JobOptions} key. */
    public FuseJobSettings set(String key, Object value) {
        entries.put(key, String.valueOf(value));
        return this;
    }

    public JobConfig config() {
        List<String> settings = new ArrayList<>();
        entries.forEach((k, v) -> settings.add(k + "=" + v));
        return JobConfig.load(null, settings);
    }

    /** Defines the job in this thread's execution environment and submits it, not waiting. */
    public JobClient start(String name) throws Exception {
        return start(config(), name, SavepointRestoreSettings.none());
    }

    /**
     * Submits the fuse job of {@code cfg} from {@code restore} (a savepoint, or none), as {@code
     * flink run --fromSavepoint} would, not waiting.
     */
    public static JobClient start(JobConfig cfg, String name, SavepointRestoreSettings restore)
            throws Exception {
        Configuration conf = new Configuration();
        SavepointRestoreSettings.toConfiguration(restore, conf);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        FuseJob.defineFromKafka(env, cfg, false);
        return env.executeAsync(name);
    }
}
