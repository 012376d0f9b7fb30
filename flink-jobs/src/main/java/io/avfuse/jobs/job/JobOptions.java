package io.avfuse.jobs.job;

import static org.apache.flink.configuration.ConfigOptions.key;

import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.jobs.infer.BatchingInferenceOperator;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;

/**
 * Every option an avfuse job reads, with its default and meaning. {@link JobConfig#load} accepts
 * exactly these keys (plus {@code kafka.property.*} pass-through) and fails on any other.
 */
public final class JobOptions {
    private JobOptions() {}

    // --- Kafka -------------------------------------------------------------------------------
    public static final ConfigOption<String> KAFKA_BOOTSTRAP =
            key("kafka.bootstrap-servers")
                    .stringType()
                    .defaultValue("127.0.0.1:9092")
                    .withDescription("Kafka bootstrap servers.");
    public static final ConfigOption<String> KAFKA_GROUP =
            key("kafka.group-id")
                    .stringType()
                    .defaultValue("avfuse")
                    .withDescription("Consumer group of the job's sources.");
    public static final ConfigOption<StartingOffsets> KAFKA_STARTING_OFFSETS =
            key("kafka.starting-offsets")
                    .enumType(StartingOffsets.class)
                    .defaultValue(StartingOffsets.EARLIEST)
                    .withDescription(
                            "Where the sources start when the job starts without a checkpoint or"
                                    + " savepoint (restored offsets always win): EARLIEST reads"
                                    + " every input topic from its beginning (Flink's default),"
                                    + " COMMITTED resumes at the consumer group's offsets"
                                    + " (committed at each completed checkpoint; the beginning"
                                    + " where it has none), LATEST reads only new records."
                                    + " COMMITTED suits redeploys that lost their savepoint: the"
                                    + " input since the last completed checkpoint is read again,"
                                    + " not the whole topic. Bounded reads (recordings) always"
                                    + " start at the beginning.");
    public static final String KAFKA_PROPERTY_PREFIX = "kafka.property.";
    public static final ConfigOption<String> KAFKA_CONFIG_FILE =
            key("kafka.config-file")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Java properties file of Kafka client settings (security.protocol,"
                                    + " sasl.*, ssl.*); unset: the file $AVFUSE_KAFKA_CONFIG"
                                    + " names, if any. kafka.property.* entries win over it."
                                    + " Secrets kept here stay out of Flink's configuration.");
    public static final ConfigOption<WireFormat> WIRE_FORMAT =
            key("kafka.wire-format")
                    .enumType(WireFormat.class)
                    .defaultValue(WireFormat.SINGLE_OBJECT)
                    .withDescription("SINGLE_OBJECT (Avro single-object) or CONFLUENT framing.");
    public static final ConfigOption<Integer> MAX_RECORD_BYTES =
            key("kafka.max-record-bytes")
                    .intType()
                    .defaultValue(1 << 20)
                    .withDescription("Larger input values become dead letters undecoded.");

    // --- Topics ------------------------------------------------------------------------------
    public static final ConfigOption<String> TOPIC_VIDEO =
            key("topics.video").stringType().defaultValue("av.video.frames");
    public static final ConfigOption<String> TOPIC_AUDIO =
            key("topics.audio").stringType().defaultValue("av.audio.chunks");
    public static final ConfigOption<String> TOPIC_TEXT =
            key("topics.text").stringType().defaultValue("av.text.events");
    public static final ConfigOption<String> TOPIC_ALIGNED =
            key("topics.aligned").stringType().defaultValue("av.aligned");
    public static final ConfigOption<String> TOPIC_DEADLETTER =
            key("topics.deadletter").stringType().defaultValue("av.deadletter");
    public static final ConfigOption<Boolean> WRITE_ALIGNED =
            key("topics.write-aligned")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription("Also write every aligned window to topics.aligned.");

    // --- Sources and watermarks --------------------------------------------------------------
    public static final ConfigOption<Duration> OUT_OF_ORDER_VIDEO =
            key("watermarks.out-of-orderness.video")
                    .durationType()
                    .defaultValue(Duration.ofMillis(200));
    public static final ConfigOption<Duration> OUT_OF_ORDER_AUDIO =
            key("watermarks.out-of-orderness.audio")
                    .durationType()
                    .defaultValue(Duration.ofMillis(200));
    public static final ConfigOption<Duration> OUT_OF_ORDER_TEXT =
            key("watermarks.out-of-orderness.text")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(1));
    public static final ConfigOption<Duration> IDLENESS =
            key("watermarks.idleness")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(5))
                    .withDescription(
                            "A source partition that has delivered records since the job's"
                                    + " (re)start and is then silent this long (processing"
                                    + " time, not counting backpressure) stops holding the"
                                    + " watermark back; before its first record"
                                    + " watermarks.idleness.startup applies. Make it longer"
                                    + " than a broker"
                                    + " failover (broker.session.timeout.ms, 9 s by default,"
                                    + " plus leader election) where losing a broker must not"
                                    + " cost input: a partition whose leader died is otherwise"
                                    + " declared idle, the other modalities close its windows"
                                    + " and its records arrive late (docs/reliability.md).");
    public static final ConfigOption<Duration> IDLENESS_STARTUP =
            key("watermarks.idleness.startup")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(30))
                    .withDescription(
                            "How long a source subtask that has not delivered a record since the"
                                    + " job's (re)start may stay silent before it stops holding"
                                    + " the watermark back (never less than"
                                    + " watermarks.idleness). A source still resuming after a"
                                    + " failover, or busy with its first fetch under load, is"
                                    + " then not declared idle, so the other modalities cannot"
                                    + " close its windows without it. The price: a subtask"
                                    + " whose partition is empty holds the windows this long"
                                    + " after every (re)start (no source subtask is left without"
                                    + " a partition: see job.parallelism). Keep it above the time a failover"
                                    + " takes to resume the sources (16-29 s measured for a"
                                    + " TaskManager loss on a loaded machine) and, in windows,"
                                    + " below align.max-pending-windows (docs/reliability.md).");
    public static final ConfigOption<Duration> MAX_DRIFT =
            key("watermarks.alignment.max-drift")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(10))
                    .withDescription(
                            "Flink watermark alignment across unbounded video, audio and text"
                                    + " sources: one whose watermark runs further ahead of the"
                                    + " slowest is paused (0 s: off). While catching up on a"
                                    + " backlog it keeps the skew between modalities below the"
                                    + " aligner's pending-window cap. Bounded sources never use"
                                    + " it: Flink 2.2 fails a job whose finished source receives"
                                    + " an alignment event.");
    public static final ConfigOption<Duration> MAX_FUTURE =
            key("watermarks.max-future")
                    .durationType()
                    .defaultValue(Duration.ofHours(1))
                    .withDescription(
                            "Records stamped further than this ahead of the wall clock are dead"
                                    + " letters: one bad clock must not push the watermark past"
                                    + " everyone else.");

    // --- Alignment ---------------------------------------------------------------------------
    public static final ConfigOption<Duration> WINDOW =
            key("align.window").durationType().defaultValue(Duration.ofSeconds(1));
    public static final ConfigOption<Duration> HOP =
            key("align.hop").durationType().defaultValue(Duration.ofSeconds(1));
    public static final ConfigOption<Integer> FRAMES_PER_WINDOW =
            key("align.frames-per-window").intType().defaultValue(8);
    public static final ConfigOption<Duration> TOLERANCE_VIDEO =
            key("align.tolerance.video").durationType().defaultValue(Duration.ofMillis(100));
    public static final ConfigOption<Duration> TOLERANCE_AUDIO =
            key("align.tolerance.audio").durationType().defaultValue(Duration.ofMillis(100));
    public static final ConfigOption<Duration> TOLERANCE_TEXT =
            key("align.tolerance.text").durationType().defaultValue(Duration.ofSeconds(2));
    public static final ConfigOption<Duration> TOLERANCE_METADATA =
            key("align.tolerance.metadata").durationType().defaultValue(Duration.ofSeconds(1));
    public static final ConfigOption<Duration> TIMEOUT_VIDEO =
            key("align.timeout.video").durationType().defaultValue(Duration.ofSeconds(2));
    public static final ConfigOption<Duration> TIMEOUT_AUDIO =
            key("align.timeout.audio").durationType().defaultValue(Duration.ofSeconds(2));
    public static final ConfigOption<Duration> TIMEOUT_TEXT =
            key("align.timeout.text").durationType().defaultValue(Duration.ofSeconds(10));
    public static final ConfigOption<Duration> TIMEOUT_METADATA =
            key("align.timeout.metadata").durationType().defaultValue(Duration.ofSeconds(30));
    public static final ConfigOption<Duration> TEXT_TTL =
            key("align.text-ttl").durationType().defaultValue(Duration.ofSeconds(5));
    public static final ConfigOption<Duration> METADATA_TTL =
            key("align.metadata-ttl").durationType().defaultValue(Duration.ofSeconds(30));
    public static final ConfigOption<Integer> MAX_PENDING_WINDOWS =
            key("align.max-pending-windows").intType().defaultValue(32);
    public static final ConfigOption<Integer> MAX_FRAMES_PER_WINDOW =
            key("align.max-frames-per-window").intType().defaultValue(64);
    public static final ConfigOption<Integer> MAX_TEXTS_PER_WINDOW =
            key("align.max-texts-per-window").intType().defaultValue(64);
    public static final ConfigOption<Duration> IDLE_FLUSH =
            key("align.idle-flush")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(10))
                    .withDescription(
                            "Wall-clock time a stream may send nothing before its pending windows"
                                    + " are emitted without waiting for the watermark (0 s:"
                                    + " never). Keeps the last windows of a stream that stops"
                                    + " from waiting for a watermark that no longer moves.");

    // --- Model and inference -----------------------------------------------------------------
    public static final ConfigOption<String> MODEL_DIR =
            key("model.dir")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Model directory (manifest.json, tokenizer.json, parameters) the"
                                    + " fuse job serves; checked at start.");
    public static final ConfigOption<String> MODEL_CONTROL_TOPIC =
            key("model.control-topic")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Kafka topic announcing model versions to the running job: each"
                                    + " record's value is a model directory, or JSON {\"dir\":"
                                    + " ..., \"version\": ...}. Every inference subtask reads"
                                    + " every partition; the newest announcement is loaded in the"
                                    + " background and serves from the next checkpoint on (also"
                                    + " after a restart: it wins over model.dir).");
    public static final ConfigOption<String> MODEL_WATCH_DIR =
            key("model.watch-dir")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Directory watched for model versions: its subdirectory with the"
                                    + " greatest name holding a manifest.json is loaded in the"
                                    + " background and serves from the next checkpoint on. Write"
                                    + " a model under a hidden name (.v7.tmp), then rename it.");
    public static final ConfigOption<Duration> MODEL_POLL_INTERVAL =
            key("model.poll-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(1))
                    .withDescription("How often model.control-topic and model.watch-dir are read.");
    public static final ConfigOption<Integer> BATCH_SIZE =
            key("inference.batch-size")
                    .intType()
                    .defaultValue(32)
                    .withDescription("Windows per model call, across streams.");
    public static final ConfigOption<Duration> MAX_WAIT =
            key("inference.max-wait")
                    .durationType()
                    .defaultValue(Duration.ofMillis(50))
                    .withDescription("Longest a window waits for its batch to fill.");
    public static final ConfigOption<Integer> CPU_THREADS =
            key("inference.cpu-threads")
                    .intType()
                    .defaultValue(0)
                    .withDescription(
                            "Threads one model call may use on the CPU; 0: the TaskManager's cores"
                                    + " divided by its task slots, so that slots do not"
                                    + " oversubscribe the cores.");
    public static final ConfigOption<Integer> PIPELINED_BATCHES =
            key("inference.pipelined-batches")
                    .intType()
                    .defaultValue(BatchingInferenceOperator.DEFAULT_PIPELINED_BATCHES)
                    .withDescription(
                            "Batches the model may run on its own thread while the task thread"
                                    + " aligns and fills the next (results still in order,"
                                    + " drained before every checkpoint barrier); 0: the model"
                                    + " runs on the task thread.");
    public static final ConfigOption<String> TOPIC_PREDICTIONS =
            key("topics.predictions").stringType().defaultValue("av.predictions");
    public static final ConfigOption<String> TOPIC_EMBEDDINGS =
            key("topics.embeddings").stringType().defaultValue("av.embeddings");

    // --- Job ---------------------------------------------------------------------------------
    public static final ConfigOption<Integer> PARALLELISM =
            key("job.parallelism")
                    .intType()
                    .defaultValue(1)
                    .withDescription(
                            "Subtasks per operator. Each Kafka source (with its decoding) runs on"
                                    + " at most as many subtasks as its topic has partitions when"
                                    + " the job is submitted, so that none waits without a"
                                    + " partition (watermarks.idleness.startup); partitions added"
                                    + " later are read by the existing subtasks (partition"
                                    + " discovery), and a rescale or resubmission uses more. If"
                                    + " the counts cannot be read, every source runs this many"
                                    + " (logged as a warning).");
    public static final ConfigOption<Integer> RESTART_ATTEMPTS =
            key("job.restart-attempts")
                    .intType()
                    .defaultValue(10)
                    .withDescription(
                            "Restarts after a failure before the job fails for good (a model that"
                                    + " cannot load on a TaskManager must not restart forever).");
    public static final ConfigOption<Duration> RESTART_DELAY =
            key("job.restart-delay").durationType().defaultValue(Duration.ofSeconds(5));
    public static final ConfigOption<Boolean> OBJECT_REUSE =
            key("job.object-reuse")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Hand records between chained operators without copying them"
                                    + " (Flink's pipeline.object-reuse). Safe for the avfuse"
                                    + " operators, which neither change a record after emitting it"
                                    + " nor change their input; false restores Flink's deep copy.");
    public static final ConfigOption<Duration> CHECKPOINT_INTERVAL =
            key("job.checkpoint-interval").durationType().defaultValue(Duration.ofSeconds(10));
    public static final ConfigOption<String> CHECKPOINT_DIR =
            key("job.checkpoint-dir")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Where checkpoints go (file://, s3://, ...). Unset: the cluster's"
                                    + " execution.checkpointing.dir, or a directory under the"
                                    + " JVM's temp dir when the cluster names none (Flink's"
                                    + " in-memory default caps state at 5 MB, which the aligner"
                                    + " exceeds while catching up on a backlog).");

    // --- Metrics (local runs; a cluster configures its reporters in its config.yaml) -----------
    public static final ConfigOption<String> PROMETHEUS_PORT =
            key("metrics.prometheus.port")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Serve the job's metrics for Prometheus at this port or range (9249,"
                                    + " 9250-9260) when the job runs on a local MiniCluster"
                                    + " (bin/avfuse align|fuse); unset: no reporter.");
    public static final ConfigOption<String> PROMETHEUS_HOST =
            key("metrics.prometheus.host")
                    .stringType()
                    .defaultValue("127.0.0.1")
                    .withDescription("Address the metrics endpoint binds.");

    /** Every declared option, for validation and {@code --help}. */
    public static final List<ConfigOption<?>> ALL =
            List.of(
                    KAFKA_BOOTSTRAP,
                    KAFKA_GROUP,
                    KAFKA_STARTING_OFFSETS,
                    KAFKA_CONFIG_FILE,
                    WIRE_FORMAT,
                    MAX_RECORD_BYTES,
                    TOPIC_VIDEO,
                    TOPIC_AUDIO,
                    TOPIC_TEXT,
                    TOPIC_ALIGNED,
                    TOPIC_DEADLETTER,
                    WRITE_ALIGNED,
                    OUT_OF_ORDER_VIDEO,
                    OUT_OF_ORDER_AUDIO,
                    OUT_OF_ORDER_TEXT,
                    IDLENESS,
                    IDLENESS_STARTUP,
                    MAX_DRIFT,
                    MAX_FUTURE,
                    WINDOW,
                    HOP,
                    FRAMES_PER_WINDOW,
                    TOLERANCE_VIDEO,
                    TOLERANCE_AUDIO,
                    TOLERANCE_TEXT,
                    TOLERANCE_METADATA,
                    TIMEOUT_VIDEO,
                    TIMEOUT_AUDIO,
                    TIMEOUT_TEXT,
                    TIMEOUT_METADATA,
                    TEXT_TTL,
                    METADATA_TTL,
                    MAX_PENDING_WINDOWS,
                    MAX_FRAMES_PER_WINDOW,
                    MAX_TEXTS_PER_WINDOW,
                    IDLE_FLUSH,
                    MODEL_DIR,
                    MODEL_CONTROL_TOPIC,
                    MODEL_WATCH_DIR,
                    MODEL_POLL_INTERVAL,
                    BATCH_SIZE,
                    MAX_WAIT,
                    CPU_THREADS,
                    PIPELINED_BATCHES,
                    TOPIC_PREDICTIONS,
                    TOPIC_EMBEDDINGS,
                    PARALLELISM,
                    RESTART_ATTEMPTS,
                    RESTART_DELAY,
                    OBJECT_REUSE,
                    CHECKPOINT_INTERVAL,
                    CHECKPOINT_DIR,
                    PROMETHEUS_PORT,
                    PROMETHEUS_HOST);
}
