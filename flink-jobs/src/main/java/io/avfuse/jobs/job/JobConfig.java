package io.avfuse.jobs.job;

import io.avfuse.connectors.kafka.KafkaConnection;
import io.avfuse.jobs.align.AlignerConfig;
import io.avfuse.jobs.align.Modality;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.YamlParserUtils;

/**
 * The job's options, read once: a YAML file (nested or dotted keys) overlaid by {@code key=value}
 * overrides. Unknown keys and unparsable values fail here, naming the key.
 *
 * <p>{@code JobConfig cfg = JobConfig.load(Path.of("avfuse.yaml"), List.of("align.window=2s"));}
 */
public final class JobConfig {
    private final Configuration conf;
    private final Properties kafkaProperties;
    private final Map<Modality, Integer> sourceParallelism;

    private JobConfig(
            Configuration conf,
            Properties kafkaProperties,
            Map<Modality, Integer> sourceParallelism) {
        this.conf = conf;
        this.kafkaProperties = kafkaProperties;
        this.sourceParallelism = Map.copyOf(sourceParallelism);
    }

    public static JobConfig defaults() {
        return of(Map.of());
    }

    /** Reads {@code yaml} (may be null) and applies {@code overrides} ({@code key=value}). */
    public static JobConfig load(Path yaml, List<String> overrides) {
        Map<String, String> flat = new LinkedHashMap<>();
        if (yaml != null) {
            if (!Files.isRegularFile(yaml)) {
                throw new IllegalArgumentException("config file not found: " + yaml);
            }
            try {
                flatten("", YamlParserUtils.loadYamlFile(new File(yaml.toString())), flat);
            } catch (Exception e) {
                throw new IllegalArgumentException(
                        "cannot read config file " + yaml + ": " + e.getMessage(), e);
            }
        }
        for (String override : overrides) {
            int eq = override.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(
                        "override '" + override + "' is not of the form key=value");
            }
            flat.put(override.substring(0, eq).strip(), override.substring(eq + 1).strip());
        }
        return of(flat);
    }

    /** Validates and reads a flat key/value map. */
    public static JobConfig of(Map<String, String> values) {
        Set<String> known =
                JobOptions.ALL.stream().map(ConfigOption::key).collect(Collectors.toSet());
        Properties kafka = new Properties();
        Map<String, String> options = new TreeMap<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            String key = e.getKey();
            if (key.startsWith(JobOptions.KAFKA_PROPERTY_PREFIX)) {
                kafka.setProperty(
                        key.substring(JobOptions.KAFKA_PROPERTY_PREFIX.length()), e.getValue());
            } else if (known.contains(key)) {
                options.put(key, e.getValue());
            } else {
                throw new IllegalArgumentException(
                        "unknown option '"
                                + key
                                + "'"
                                + suggestion(key, known)
                                + " (see --help for every option)");
            }
        }
        Configuration conf = Configuration.fromMap(options);
        for (ConfigOption<?> option : JobOptions.ALL) {
            try {
                conf.getOptional(option);
            } catch (RuntimeException ex) {
                throw new IllegalArgumentException(
                        "bad value '"
                                + options.get(option.key())
                                + "' for option '"
                                + option.key()
                                + "': "
                                + rootMessage(ex),
                        ex);
            }
        }
        JobConfig config = new JobConfig(conf, kafka, Map.of());
        config.alignerConfig(); // range checks name the offending values
        config.kafka(); // a missing or unreadable kafka.config-file fails here, naming it
        for (ConfigOption<Duration> positive :
                List.of(
                        JobOptions.IDLENESS,
                        JobOptions.IDLENESS_STARTUP,
                        JobOptions.CHECKPOINT_INTERVAL,
                        JobOptions.MAX_FUTURE,
                        JobOptions.MODEL_POLL_INTERVAL)) {
            if (config.us(positive) <= 0) {
                throw new IllegalArgumentException(
                        "option '"
                                + positive.key()
                                + "' must be positive, got "
                                + config.get(positive));
            }
        }
        if (config.get(JobOptions.MAX_DRIFT).isNegative()) {
            throw new IllegalArgumentException(
                    "option 'watermarks.alignment.max-drift' must be >= 0 (0 disables it), got "
                            + config.get(JobOptions.MAX_DRIFT));
        }
        if (config.get(JobOptions.CPU_THREADS) < 0) {
            throw new IllegalArgumentException(
                    "option 'inference.cpu-threads' must be >= 0 (0: cores / slots)");
        }
        if (config.get(JobOptions.PIPELINED_BATCHES) < 0) {
            throw new IllegalArgumentException(
                    "option 'inference.pipelined-batches' must be >= 0 (0: no pipelining)");
        }
        if (config.get(JobOptions.PARALLELISM) < 1) {
            throw new IllegalArgumentException("option 'job.parallelism' must be at least 1");
        }
        return config;
    }

    public <T> T get(ConfigOption<T> option) {
        return conf.get(option);
    }

    public <T> Optional<T> getOptional(ConfigOption<T> option) {
        return conf.getOptional(option);
    }

    public KafkaConnection kafka() {
        return KafkaConnection.to(get(JobOptions.KAFKA_BOOTSTRAP))
                .withConfigFileOrEnvironment(
                        getOptional(JobOptions.KAFKA_CONFIG_FILE).map(Path::of).orElse(null))
                .withAll(kafkaProperties);
    }

    public AlignerConfig alignerConfig() {
        try {
            return new AlignerConfig(
                    us(JobOptions.WINDOW),
                    us(JobOptions.HOP),
                    get(JobOptions.FRAMES_PER_WINDOW),
                    AlignerConfig.perModality(
                            us(JobOptions.TOLERANCE_VIDEO),
                            us(JobOptions.TOLERANCE_AUDIO),
                            us(JobOptions.TOLERANCE_TEXT),
                            us(JobOptions.TOLERANCE_METADATA)),
                    AlignerConfig.perModality(
                            us(JobOptions.TIMEOUT_VIDEO),
                            us(JobOptions.TIMEOUT_AUDIO),
                            us(JobOptions.TIMEOUT_TEXT),
                            us(JobOptions.TIMEOUT_METADATA)),
                    us(JobOptions.TEXT_TTL),
                    us(JobOptions.METADATA_TTL),
                    get(JobOptions.MAX_PENDING_WINDOWS),
                    get(JobOptions.MAX_FRAMES_PER_WINDOW),
                    get(JobOptions.MAX_TEXTS_PER_WINDOW),
                    us(JobOptions.IDLE_FLUSH));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad align.* options: " + e.getMessage(), e);
        }
    }

    public Duration outOfOrderness(Modality m) {
        return switch (m) {
            case VIDEO -> get(JobOptions.OUT_OF_ORDER_VIDEO);
            case AUDIO -> get(JobOptions.OUT_OF_ORDER_AUDIO);
            case TEXT, METADATA -> get(JobOptions.OUT_OF_ORDER_TEXT);
        };
    }

    /**
     * A copy whose input sources run on the given number of subtasks instead of {@code
     * job.parallelism} ({@link SourceParallelism}: no more than their topics have partitions).
     */
    public JobConfig withSourceParallelism(Map<Modality, Integer> parallelism) {
        return new JobConfig(conf, kafkaProperties, parallelism);
    }

    /** The parallelism of {@code m}'s source when it differs from the job's. */
    public Optional<Integer> sourceParallelism(Modality m) {
        return Optional.ofNullable(sourceParallelism.get(m));
    }

    /** Help text listing every option with its default and description. */
    public static String describeOptions() {
        StringBuilder sb = new StringBuilder();
        for (ConfigOption<?> o : JobOptions.ALL) {
            sb.append(
                    String.format(
                            "  %-36s default %s%n",
                            o.key(), o.hasDefaultValue() ? o.defaultValue() : "(none)"));
            String d = plainText(o.description());
            if (!d.isBlank()) {
                sb.append("      ").append(d).append('\n');
            }
        }
        sb.append(String.format("  %-36s passed to every Kafka client%n", "kafka.property.<name>"));
        return sb.toString();
    }

    private static String plainText(org.apache.flink.configuration.description.Description d) {
        StringBuilder text = new StringBuilder();
        for (var block : d.getBlocks()) {
            if (block instanceof org.apache.flink.configuration.description.TextElement t) {
                text.append(t.getFormat());
            }
        }
        return text.toString();
    }

    private long us(ConfigOption<Duration> option) {
        try {
            return get(option).toNanos() / 1000;
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(
                    "option '" + option.key() + "' is too long: " + get(option), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Object node, Map<String, String> out) {
        if (node instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String key = prefix.isEmpty() ? e.getKey().toString() : prefix + "." + e.getKey();
                // kafka.property.* values keep their own dots (e.g. sasl.jaas.config)
                flatten(key, e.getValue(), out);
            }
        } else if (node != null) {
            out.put(prefix, node.toString());
        }
    }

    /**
     * {@code " (did you mean 'k'?)"} for the known key nearest to {@code key} (edit distance at
     * most 3), or {@code ""}.
     */
    public static String suggestion(String key, java.util.Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(key, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best != null && bestDistance <= 3 ? " (did you mean '" + best + "'?)" : "";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
