package io.avfuse.jobs.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.kafka.TopicNames;
import io.avfuse.connectors.serde.AvroLimits;
import io.avfuse.jobs.job.FuseJob;
import io.avfuse.jobs.job.JobConfig;
import io.avfuse.jobs.job.JobOptions;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.FallbackKey;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The Kubernetes manifests (deploy/k8s) and the job image (deploy/docker/Dockerfile) against the
 * code they deploy: every manifest parses and names itself; the job's arguments pass the job's own
 * option loading; the Flink configuration holds only real, current Flink options with parsable
 * values; GPUs, secrets, DJL's offline guards, metrics and topics line up; the image uses the Flink
 * and libtorch versions the build resolves. Each check also runs on a deliberately broken snippet,
 * so that it is known to fail.
 */
class KubernetesManifestsTest {
    private static final Path ROOT = projectRoot();
    private static final Path K8S = ROOT.resolve("deploy/k8s");
    private static final Path DOCKERFILE = ROOT.resolve("deploy/docker/Dockerfile");

    /** Reporter options Flink declares once, under a suffix of metrics.reporter.NAME. */
    private static final Set<String> REPORTER_SUFFIXES =
            Set.of(
                    "factory.class",
                    "interval",
                    "scope.delimiter",
                    "scope.variables.excludes",
                    "scope.variables.additional",
                    "filter.includes",
                    "filter.excludes",
                    // PrometheusReporter's own
                    "port",
                    "filterLabelValueCharacters");

    private static final Pattern EXTERNAL_RESOURCE =
            Pattern.compile(
                    "external-resource\\.([^.]+)\\.(amount|driver-factory\\.class"
                            + "|kubernetes\\.config-key|yarn\\.config-key|param\\..+)");
    private static final Pattern REPORTER = Pattern.compile("metrics\\.reporter\\.([^.]+)\\.(.+)");
    private static final Pattern SECRET_NAME =
            Pattern.compile("(?i).*(PASSWORD|SECRET|JAAS|TOKEN|ACCESS_KEY|CREDENTIAL).*");
    private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{env:([A-Za-z0-9_]+)}");

    // --- the real manifests --------------------------------------------------------------------

    @Test
    void everyManifestParsesAndNamesItself() throws IOException {
        List<Map<String, Object>> docs = allManifests();
        assertThat(docs).allSatisfy(d -> assertThat(identityProblems(d)).isEmpty());
        assertThat(docs.stream().map(d -> (String) d.get("kind")).collect(Collectors.toSet()))
                .contains(
                        "Namespace",
                        "FlinkDeployment",
                        "PodMonitor",
                        "Kafka",
                        "KafkaNodePool",
                        "KafkaTopic",
                        "KafkaUser");
    }

    @Test
    void flinkConfigurationHoldsOnlyCurrentFlinkOptionsWithParsableValues() throws IOException {
        assertThat(flinkProblems(fuseDeployment())).isEmpty();
    }

    @Test
    void jobArgumentsPassTheJobsOwnOptionLoading() throws IOException {
        Map<String, Object> fd = fuseDeployment();
        assertThat(jobArgProblems(fd)).isEmpty();
        JobConfig cfg = JobConfig.load(null, overrides(fd));
        assertThat(cfg.get(JobOptions.MODEL_DIR)).isEqualTo("/opt/avfuse/model");
    }

    @Test
    void deploymentAgreesWithTheJobOnParallelismCheckpointsAndEntryPoint() throws IOException {
        assertThat(consistencyProblems(fuseDeployment())).isEmpty();
    }

    @Test
    void taskManagersAskForTheGpuFlinkHandsToTheInferenceOperator() throws IOException {
        assertThat(gpuProblems(fuseDeployment())).isEmpty();
    }

    @Test
    void secretsComeFromSecretsAndDjlStaysOffline() throws IOException {
        assertThat(secretAndEnvProblems(fuseDeployment())).isEmpty();
    }

    @Test
    void podMonitorScrapesThePrometheusReporterPort() throws IOException {
        assertThat(metricsProblems(fuseDeployment(), only("PodMonitor"))).isEmpty();
    }

    @Test
    void everyAvfuseTopicHasAKafkaTopicSizedForTheJob() throws IOException {
        assertThat(topicProblems(fuseDeployment(), allManifests())).isEmpty();
    }

    @Test
    void kafkaRunsInKraftModeWithControllerAndBrokerPools() throws IOException {
        assertThat(kafkaProblems(allManifests())).isEmpty();
    }

    @Test
    void imageUsesTheFlinkAndLibtorchVersionsTheBuildResolves() throws IOException {
        assertThat(dockerfileProblems(Files.readString(DOCKERFILE), fuseDeployment())).isEmpty();
    }

    // --- the checks fail on broken snippets ----------------------------------------------------

    @Test
    void rejectsManifestsWithoutIdentity() {
        assertThat(identityProblems(yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n")))
                .singleElement()
                .asString()
                .contains("metadata.name");
    }

    @Test
    void rejectsMisspelledDeprecatedForeignAndUnparsableFlinkKeys() {
        Map<String, Object> fd =
                flinkDeployment(
                        """
                        execution.checkpointing.intervall: 10s
                        state.checkpoints.dir: s3://b/c
                        topics.video: av.video.frames
                        execution.checkpointing.timeout: ten minutes
                        taskmanager.numberOfTaskSlots: 1
                        external-resource.gpu.amount: "1"
                        metrics.reporter.prom.prot: "9249"
                        """);
        assertThat(String.join("\n", flinkProblems(fd)))
                .contains("'execution.checkpointing.intervall' is not a Flink option")
                .contains("did you mean 'execution.checkpointing.interval'")
                .contains(
                        "'state.checkpoints.dir' is deprecated: use 'execution.checkpointing.dir'")
                .contains("'topics.video' is an avfuse job option")
                .contains("'execution.checkpointing.timeout': bad value 'ten minutes'")
                .contains("'taskmanager.numberOfTaskSlots' must be a YAML string")
                .contains("'external-resource.gpu.amount' names resource 'gpu'")
                .contains("'metrics.reporter.prom.prot' is not a reporter option");
    }

    @Test
    void rejectsADeploymentThatDisagreesWithTheJobOrTheGpuOrTheScrapePort() throws IOException {
        Map<String, Object> fd = fuseDeployment();
        at(fd, "spec", "job").put("parallelism", 3);
        at(fd, "spec", "flinkConfiguration").put("execution.checkpointing.interval", "1min");
        at(fd, "spec", "flinkConfiguration").put("metrics.reporter.prom.port", "9250");
        at(mainContainer(fd, "taskManager").orElseThrow(), "resources", "limits")
                .put("nvidia.com/gpu", 2);
        assertThat(String.join("\n", consistencyProblems(fd)))
                .contains("spec.job.parallelism 3 != job.parallelism 2")
                .contains("execution.checkpointing.interval 1min != job.checkpoint-interval");
        assertThat(String.join("\n", gpuProblems(fd)))
                .contains("TaskManager nvidia.com/gpu limit 2 != external-resource.gpu.amount 1");
        assertThat(String.join("\n", metricsProblems(fd, only("PodMonitor"))))
                .contains("taskManager declares no port 'metrics' = reporter port 9250");
    }

    @Test
    void rejectsJobArgumentsTheJobWouldReject() {
        assertThat(String.join("\n", jobArgProblems(jobWithArgs("--set", "align.windw=1s"))))
                .contains("align.windw")
                .contains("did you mean 'align.window'");
        assertThat(String.join("\n", jobArgProblems(jobWithArgs("--set", "align.window=soon"))))
                .contains("bad value 'soon' for option 'align.window'");
        assertThat(jobArgProblems(jobWithArgs("--set"))).isNotEmpty();
        assertThat(jobArgProblems(jobWithArgs("--sett", "align.window=1s"))).isNotEmpty();
    }

    @Test
    void rejectsInlineSecretsAndMissingOfflineGuards() {
        Map<String, Object> fd =
                yaml(
                        """
                        apiVersion: flink.apache.org/v1beta1
                        kind: FlinkDeployment
                        metadata: {name: x}
                        spec:
                          jobManager:
                            podTemplate:
                              spec:
                                containers:
                                  - name: flink-main-container
                                    env:
                                      - {name: KAFKA_SASL_JAAS_CONFIG, value: "password=hunter2"}
                                      - {name: PYTORCH_VERSION, value: "2.7.1"}
                          taskManager: {}
                          job:
                            args: ["--set", "kafka.property.sasl.jaas.config=password=hunter2",
                                   "--set", "kafka.property.ssl.key.password=${env:NOT_THERE}"]
                        """);
        assertThat(String.join("\n", secretAndEnvProblems(fd)))
                .contains("KAFKA_SASL_JAAS_CONFIG in jobManager has an inline value")
                .contains("PYTORCH_VERSION")
                .contains("DJL_OFFLINE")
                .contains("kafka.property.sasl.jaas.config is written inline")
                .contains("NOT_THERE is not set from a secretKeyRef in jobManager")
                .contains("taskManager has no flink-main-container");
    }

    @Test
    void rejectsAMissingTopicAndUndersizedLimits() throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>(allManifests());
        docs.removeIf(d -> "KafkaTopic".equals(d.get("kind")) && "av.control".equals(topicName(d)));
        Map<String, Object> fd = fuseDeployment();
        List<String> args = new ArrayList<>(strings(at(fd, "spec", "job", "args")));
        args.add("--set");
        args.add("kafka.max-record-bytes=8388608");
        at(fd, "spec", "job").put("args", args);
        assertThat(String.join("\n", topicProblems(fd, docs)))
                .contains("no KafkaTopic for 'av.control'")
                .contains("av.video.frames: max.message.bytes 4259840 < kafka.max-record-bytes");
    }

    @Test
    void rejectsAnImageOfAnotherFlinkOrLibtorch() throws IOException {
        String bad =
                Files.readString(DOCKERFILE)
                        .replace("ARG LIBTORCH_VERSION=2.7.1", "ARG LIBTORCH_VERSION=2.5.1")
                        .replace("ARG FLINK_VERSION=2.2.1", "ARG FLINK_VERSION=2.1.0")
                        .replace("DJL_OFFLINE=true", "DJL_OFFLINE=false")
                        .replace("|org.bytedeco-*|", "|");
        assertThat(String.join("\n", dockerfileProblems(bad, fuseDeployment())))
                .contains("LIBTORCH_VERSION=2.5.1")
                .contains("FLINK_VERSION=2.1.0")
                .contains("does not set DJL_OFFLINE=true")
                .contains("does not put org.bytedeco-* jars in /opt/flink/lib");
    }

    // --- the checks ----------------------------------------------------------------------------

    static List<String> identityProblems(Map<String, Object> doc) {
        List<String> problems = new ArrayList<>();
        for (String field : List.of("apiVersion", "kind")) {
            if (!(doc.get(field) instanceof String s) || s.isBlank()) {
                problems.add("manifest without " + field + ": " + doc);
            }
        }
        Object name = doc.get("metadata") instanceof Map<?, ?> m ? m.get("name") : null;
        if (!(name instanceof String s) || s.isBlank()) {
            problems.add(doc.get("kind") + " without metadata.name");
        }
        return problems;
    }

    static List<String> flinkProblems(Map<String, Object> fd) {
        Map<String, Object> conf = at(fd, "spec", "flinkConfiguration");
        Map<String, ConfigOption<?>> flink = FlinkOptionCatalogue.OPTIONS;
        Map<String, String> deprecated = FlinkOptionCatalogue.DEPRECATED;
        Set<String> avfuse = avfuseKeys();
        Set<String> resources = new TreeSet<>();
        if (conf.get("external-resources") instanceof String list) {
            resources.addAll(List.of(list.split(";")));
        }
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Object> e : conf.entrySet()) {
            String key = e.getKey();
            if (!(e.getValue() instanceof String value)) {
                problems.add(
                        "'"
                                + key
                                + "' must be a YAML string (flinkConfiguration is string to string)");
                continue;
            }
            Matcher resource = EXTERNAL_RESOURCE.matcher(key);
            Matcher reporter = REPORTER.matcher(key);
            if (deprecated.containsKey(key)) {
                problems.add("'" + key + "' is deprecated: use '" + deprecated.get(key) + "'");
            } else if (flink.containsKey(key)) {
                try {
                    Configuration.fromMap(Map.of(key, value)).get(flink.get(key));
                } catch (RuntimeException ex) {
                    problems.add("'" + key + "': bad value '" + value + "': " + ex.getMessage());
                }
            } else if (resource.matches()) {
                if (!resources.contains(resource.group(1))) {
                    problems.add(
                            "'"
                                    + key
                                    + "' names resource '"
                                    + resource.group(1)
                                    + "', which external-resources does not list");
                }
                if (resource.group(2).equals("amount") && !value.matches("[0-9]+")) {
                    problems.add("'" + key + "': bad value '" + value + "'");
                }
            } else if (reporter.matches()) {
                if (!REPORTER_SUFFIXES.contains(reporter.group(2))) {
                    problems.add("'" + key + "' is not a reporter option");
                }
            } else if (avfuse.contains(key) || key.startsWith(JobOptions.KAFKA_PROPERTY_PREFIX)) {
                problems.add(
                        "'"
                                + key
                                + "' is an avfuse job option: FuseJob reads it from job.args"
                                + " (--set), never from the Flink configuration");
            } else {
                problems.add(
                        "'"
                                + key
                                + "' is not a Flink option"
                                + FlinkOptionCatalogue.suggestion(key));
            }
        }
        return problems;
    }

    static List<String> jobArgProblems(Map<String, Object> fd) {
        List<String> problems = new ArrayList<>();
        List<String> args = strings(at(fd, "spec", "job").get("args"));
        if (args.size() % 2 != 0) {
            problems.add("job.args must be pairs of --set key=value: " + args);
            return problems;
        }
        Set<String> avfuse = avfuseKeys();
        for (int i = 0; i < args.size(); i += 2) {
            String flag = args.get(i);
            String pair = args.get(i + 1);
            if (!flag.equals("--set")) {
                problems.add("job.args: '" + flag + "' where --set was expected");
                continue;
            }
            String key = pair.contains("=") ? pair.substring(0, pair.indexOf('=')) : pair;
            if (!avfuse.contains(key) && !key.startsWith(JobOptions.KAFKA_PROPERTY_PREFIX)) {
                problems.add("job.args: '" + key + "' is not a JobOptions constant");
            }
        }
        if (problems.stream().noneMatch(p -> p.contains("where --set was expected"))) {
            try {
                JobConfig.load(null, overrides(fd));
            } catch (IllegalArgumentException ex) {
                problems.add("job.args rejected by JobConfig: " + ex.getMessage());
            }
        }
        return problems;
    }

    static List<String> consistencyProblems(Map<String, Object> fd) {
        List<String> problems = new ArrayList<>();
        Map<String, Object> job = at(fd, "spec", "job");
        JobConfig cfg = JobConfig.load(null, overrides(fd));
        if (!FuseJob.class.getName().equals(job.get("entryClass"))) {
            problems.add("entryClass is " + job.get("entryClass"));
        }
        if (!String.valueOf(job.get("jarURI")).startsWith("local:///opt/flink/usrlib/")) {
            problems.add("jarURI must point into the image's usrlib: " + job.get("jarURI"));
        }
        if (!Integer.valueOf(cfg.get(JobOptions.PARALLELISM)).equals(job.get("parallelism"))) {
            problems.add(
                    "spec.job.parallelism "
                            + job.get("parallelism")
                            + " != job.parallelism "
                            + cfg.get(JobOptions.PARALLELISM)
                            + " (the job sets its own)");
        }
        Object interval =
                at(fd, "spec", "flinkConfiguration").get("execution.checkpointing.interval");
        if (interval instanceof String s
                && !parseDuration(s).equals(cfg.get(JobOptions.CHECKPOINT_INTERVAL))) {
            problems.add(
                    "execution.checkpointing.interval "
                            + s
                            + " != job.checkpoint-interval (the job sets its own)");
        }
        return problems;
    }

    static List<String> gpuProblems(Map<String, Object> fd) {
        List<String> problems = new ArrayList<>();
        Map<String, Object> conf = at(fd, "spec", "flinkConfiguration");
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("external-resources", "gpu");
        expected.put(
                "external-resource.gpu.driver-factory.class",
                "org.apache.flink.externalresource.gpu.GPUDriverFactory");
        expected.put("external-resource.gpu.kubernetes.config-key", "nvidia.com/gpu");
        expected.forEach(
                (k, v) -> {
                    if (!v.equals(conf.get(k))) {
                        problems.add(k + " is " + conf.get(k) + ", expected " + v);
                    }
                });
        Object amount = conf.get("external-resource.gpu.amount");
        Map<String, Object> tmSpec = at(fd, "spec", "taskManager", "podTemplate", "spec");
        Optional<Map<String, Object>> main = mainContainer(fd, "taskManager");
        Object limit =
                main.map(c -> at(c, "resources", "limits").get("nvidia.com/gpu")).orElse(null);
        if (amount == null || limit == null || !amount.toString().equals(limit.toString())) {
            problems.add(
                    "TaskManager nvidia.com/gpu limit "
                            + limit
                            + " != external-resource.gpu.amount "
                            + amount);
        }
        if (list(tmSpec.get("tolerations")).isEmpty()) {
            problems.add("TaskManager pods do not tolerate GPU node taints");
        }
        if (!(tmSpec.get("nodeSelector") instanceof Map<?, ?>)) {
            problems.add("TaskManager pods have no nodeSelector for GPU nodes");
        }
        return problems;
    }

    static List<String> secretAndEnvProblems(Map<String, Object> fd) {
        List<String> problems = new ArrayList<>();
        Map<String, Map<String, Map<String, Object>>> envByRole = new HashMap<>();
        for (String role : List.of("jobManager", "taskManager")) {
            Optional<Map<String, Object>> main = mainContainer(fd, role);
            if (main.isEmpty()) {
                problems.add(role + " has no flink-main-container in its pod template");
                continue;
            }
            Map<String, Map<String, Object>> env = new LinkedHashMap<>();
            for (Object o : list(main.get().get("env"))) {
                Map<String, Object> var = asMap(o);
                env.put((String) var.get("name"), var);
            }
            envByRole.put(role, env);
            for (Map<String, Object> var : env.values()) {
                String name = (String) var.get("name");
                if (SECRET_NAME.matcher(name).matches() && var.containsKey("value")) {
                    problems.add(name + " in " + role + " has an inline value: use secretKeyRef");
                }
            }
            for (String[] required :
                    List.of(
                            new String[] {"DJL_OFFLINE", "true"},
                            new String[] {"OPT_OUT_TRACKING", "true"},
                            new String[] {"PYTORCH_FLAVOR", "cu128"})) {
                Object value =
                        env.containsKey(required[0]) ? env.get(required[0]).get("value") : null;
                if (!required[1].equals(value)) {
                    problems.add(role + ": " + required[0] + " must be " + required[1]);
                }
            }
            if (!env.containsKey("PYTORCH_LIBRARY_PATH")) {
                problems.add(role + ": PYTORCH_LIBRARY_PATH is not set");
            }
            if (env.containsKey("PYTORCH_VERSION")) {
                problems.add(role + ": PYTORCH_VERSION makes DJL download libtorch");
            }
        }
        for (String pair : overrides(fd)) {
            String key = pair.substring(0, pair.indexOf('='));
            String value = pair.substring(pair.indexOf('=') + 1);
            if (!key.startsWith(JobOptions.KAFKA_PROPERTY_PREFIX)) {
                continue;
            }
            Matcher ref = ENV_REFERENCE.matcher(value);
            boolean secretKey = key.matches(".*(jaas|password|secret|token).*");
            if (secretKey && !ref.matches()) {
                problems.add(key + " is written inline: use ${env:NAME} from a secretKeyRef");
            }
            ref.reset();
            while (ref.find()) {
                for (String role : List.of("jobManager", "taskManager")) {
                    Map<String, Object> var =
                            envByRole.getOrDefault(role, Map.of()).get(ref.group(1));
                    if (var == null || at(var, "valueFrom", "secretKeyRef").isEmpty()) {
                        problems.add(ref.group(1) + " is not set from a secretKeyRef in " + role);
                    }
                }
            }
            if (key.matches("kafka\\.property\\.config\\.providers\\.[^.]+\\.class")) {
                try {
                    Class<?> provider = Class.forName(value);
                    if (!org.apache.kafka.common.config.provider.ConfigProvider.class
                            .isAssignableFrom(provider)) {
                        problems.add(value + " is not a Kafka ConfigProvider");
                    }
                } catch (ClassNotFoundException ex) {
                    problems.add(key + ": no class " + value);
                }
            }
        }
        Object jvm = at(fd, "spec", "flinkConfiguration").get("env.java.opts.all");
        if (jvm != null) {
            for (String opt : AvroLimits.JVM_OPTIONS) {
                if (!jvm.toString().contains(opt)) {
                    problems.add("env.java.opts.all lacks " + opt + " (AvroLimits.JVM_OPTIONS)");
                }
            }
        }
        return problems;
    }

    static List<String> metricsProblems(
            Map<String, Object> fd, List<Map<String, Object>> monitors) {
        List<String> problems = new ArrayList<>();
        Map<String, Object> conf = at(fd, "spec", "flinkConfiguration");
        if (!"org.apache.flink.metrics.prometheus.PrometheusReporterFactory"
                .equals(conf.get("metrics.reporter.prom.factory.class"))) {
            problems.add("no Prometheus reporter in flinkConfiguration");
        }
        String port = String.valueOf(conf.get("metrics.reporter.prom.port"));
        if (monitors.size() != 1) {
            problems.add("expected one PodMonitor, found " + monitors.size());
            return problems;
        }
        Map<String, Object> pm = monitors.get(0);
        String name = (String) at(fd, "metadata").get("name");
        if (!name.equals(at(pm, "spec", "selector", "matchLabels").get("app"))) {
            problems.add("PodMonitor does not select app=" + name);
        }
        if (!at(fd, "metadata").get("namespace").equals(at(pm, "metadata").get("namespace"))) {
            problems.add("PodMonitor is in another namespace than the FlinkDeployment");
        }
        for (Object endpoint : list(at(pm, "spec").get("podMetricsEndpoints"))) {
            String portName = (String) asMap(endpoint).get("port");
            for (String role : List.of("jobManager", "taskManager")) {
                boolean declared =
                        mainContainer(fd, role).stream()
                                .flatMap(c -> list(c.get("ports")).stream())
                                .map(KubernetesManifestsTest::asMap)
                                .anyMatch(
                                        p ->
                                                portName.equals(p.get("name"))
                                                        && port.equals(
                                                                String.valueOf(
                                                                        p.get("containerPort"))));
                if (!declared) {
                    problems.add(
                            role + " declares no port '" + portName + "' = reporter port " + port);
                }
            }
        }
        return problems;
    }

    static List<String> topicProblems(Map<String, Object> fd, List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        JobConfig cfg = JobConfig.load(null, overrides(fd));
        Map<String, Map<String, Object>> topics = new HashMap<>();
        for (Map<String, Object> d : docs) {
            if ("KafkaTopic".equals(d.get("kind"))) {
                topics.put(topicName(d), d);
            }
        }
        Set<String> wanted = new TreeSet<>(TopicNames.defaults().all());
        for (var topic :
                List.of(
                        JobOptions.TOPIC_VIDEO,
                        JobOptions.TOPIC_AUDIO,
                        JobOptions.TOPIC_TEXT,
                        JobOptions.TOPIC_ALIGNED,
                        JobOptions.TOPIC_DEADLETTER,
                        JobOptions.TOPIC_PREDICTIONS,
                        JobOptions.TOPIC_EMBEDDINGS)) {
            wanted.add(cfg.get(topic));
        }
        cfg.getOptional(JobOptions.MODEL_CONTROL_TOPIC).ifPresent(wanted::add);
        for (String name : wanted) {
            if (!topics.containsKey(name)) {
                problems.add("no KafkaTopic for '" + name + "'");
            }
        }
        for (var e : topics.entrySet()) {
            Map<String, Object> spec = at(e.getValue(), "spec");
            Map<String, Object> config = at(spec, "config");
            int replicas = ((Number) spec.getOrDefault("replicas", 0)).intValue();
            Object isr = config.get("min.insync.replicas");
            if (replicas < 3 || !Integer.valueOf(2).equals(isr)) {
                problems.add(
                        e.getKey() + ": replicas " + replicas + ", min.insync.replicas " + isr);
            }
        }
        long maxRecord = cfg.get(JobOptions.MAX_RECORD_BYTES);
        long largestInput = 0;
        for (var topic :
                List.of(JobOptions.TOPIC_VIDEO, JobOptions.TOPIC_AUDIO, JobOptions.TOPIC_TEXT)) {
            long limit = maxMessageBytes(topics.get(cfg.get(topic)));
            largestInput = Math.max(largestInput, limit);
            if (limit < maxRecord || limit > maxRecord + (64 << 10)) {
                problems.add(
                        cfg.get(topic)
                                + ": max.message.bytes "
                                + limit
                                + (limit < maxRecord ? " < " : " > 64 KiB over ")
                                + "kafka.max-record-bytes "
                                + maxRecord);
            }
        }
        long deadLetters = maxMessageBytes(topics.get(cfg.get(JobOptions.TOPIC_DEADLETTER)));
        if (deadLetters < largestInput) {
            problems.add("dead-letter topic accepts less than the inputs: " + deadLetters);
        }
        String maxRequest =
                overrides(fd).stream()
                        .filter(o -> o.startsWith("kafka.property.max.request.size="))
                        .map(o -> o.substring(o.indexOf('=') + 1))
                        .findFirst()
                        .orElse("1048576");
        if (Long.parseLong(maxRequest) < deadLetters) {
            problems.add("max.request.size " + maxRequest + " cannot send the largest dead letter");
        }
        return problems;
    }

    static List<String> kafkaProblems(List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        List<Map<String, Object>> kafkas =
                docs.stream().filter(d -> "Kafka".equals(d.get("kind"))).toList();
        if (kafkas.size() != 1) {
            return List.of("expected one Kafka, found " + kafkas.size());
        }
        Map<String, Object> kafka = kafkas.get(0);
        String cluster = (String) at(kafka, "metadata").get("name");
        Map<String, Object> annotations = at(kafka, "metadata", "annotations");
        for (String a : List.of("strimzi.io/node-pools", "strimzi.io/kraft")) {
            if (!"enabled".equals(annotations.get(a))) {
                problems.add("Kafka lacks annotation " + a + ": enabled");
            }
        }
        Set<String> roles = new TreeSet<>();
        for (Map<String, Object> d : docs) {
            String kind = (String) d.get("kind");
            if (List.of("KafkaNodePool", "KafkaTopic", "KafkaUser").contains(kind)
                    && !cluster.equals(at(d, "metadata", "labels").get("strimzi.io/cluster"))) {
                problems.add(kind + " " + at(d, "metadata").get("name") + " is not in " + cluster);
            }
            if ("KafkaNodePool".equals(kind)) {
                roles.addAll(strings(at(d, "spec").get("roles")));
            }
        }
        if (!roles.equals(Set.of("broker", "controller"))) {
            problems.add("node pools have roles " + roles);
        }
        return problems;
    }

    static List<String> dockerfileProblems(String dockerfile, Map<String, Object> fd) {
        List<String> problems = new ArrayList<>();
        String flink = EnvironmentInformation.getVersion();
        String libtorch = pytorchJniVersion().split("-")[0];
        Map<String, String> args = new HashMap<>();
        Matcher m = Pattern.compile("(?m)^ARG (\\w+)=(\\S+)$").matcher(dockerfile);
        while (m.find()) {
            args.put(m.group(1), m.group(2));
        }
        if (!flink.equals(args.get("FLINK_VERSION"))) {
            problems.add(
                    "Dockerfile FLINK_VERSION="
                            + args.get("FLINK_VERSION")
                            + ", the build has "
                            + flink);
        }
        if (!libtorch.equals(args.get("LIBTORCH_VERSION"))) {
            problems.add(
                    "Dockerfile LIBTORCH_VERSION="
                            + args.get("LIBTORCH_VERSION")
                            + ", pytorch-jni is "
                            + pytorchJniVersion());
        }
        if (!dockerfile.contains("FROM flink:${FLINK_VERSION}-java17")) {
            problems.add("Dockerfile is not based on the official flink:<version>-java17");
        }
        if (!"cu128".equals(args.get("CUDA_FLAVOR"))
                || !dockerfile.contains("PYTORCH_FLAVOR=cu128")) {
            problems.add("Dockerfile libtorch flavour is not cu128");
        }
        // Native engines go to lib/ and load parent-first: one copy per JVM.
        Matcher toLib = Pattern.compile("(?m)^\\s*(ai\\.djl\\*\\|[^)]*)\\)").matcher(dockerfile);
        String libJars = toLib.find() ? toLib.group(1) : "";
        String parentFirst =
                String.valueOf(
                        at(fd, "spec", "flinkConfiguration")
                                .get("classloader.parent-first-patterns.additional"));
        for (String[] engine :
                List.of(
                        new String[] {"ai.djl*", "ai.djl."},
                        new String[] {"org.bytedeco-*", "org.bytedeco."},
                        new String[] {"com.microsoft.onnxruntime-*", "ai.onnxruntime."})) {
            if (!List.of(libJars.split("\\|")).contains(engine[0])) {
                problems.add("the image does not put " + engine[0] + " jars in /opt/flink/lib");
            }
            if (!List.of(parentFirst.split(";")).contains(engine[1])) {
                problems.add(engine[1] + " is not in classloader.parent-first-patterns.additional");
            }
        }
        for (String guard : List.of("DJL_OFFLINE=true", "OPT_OUT_TRACKING=true")) {
            if (!dockerfile.contains(guard)) {
                problems.add("Dockerfile does not set " + guard);
            }
        }
        if (dockerfile.contains("PYTORCH_VERSION=")) {
            problems.add("Dockerfile sets PYTORCH_VERSION, which makes DJL download libtorch");
        }
        if (dockerfile.contains("NVIDIA_VISIBLE_DEVICES=all")) {
            problems.add(
                    "NVIDIA_VISIBLE_DEVICES=all exposes every GPU to pods that asked for none");
        }
        String[] mm = flink.split("\\.");
        String flinkVersion = "v" + mm[0] + "_" + mm[1];
        if (!flinkVersion.equals(at(fd, "spec").get("flinkVersion"))) {
            problems.add("FlinkDeployment flinkVersion is not " + flinkVersion);
        }
        String jar = String.valueOf(at(fd, "spec", "job").get("jarURI"));
        String jarName = jar.substring(jar.lastIndexOf('/') + 1);
        if (!dockerfile.contains("/out/usrlib/" + jarName)) {
            problems.add("the image does not put " + jarName + " where jarURI points");
        }
        return problems;
    }

    // --- helpers -------------------------------------------------------------------------------

    /** Every ConfigOption of the job, found by reflection (not through JobOptions.ALL). */
    static Set<String> avfuseKeys() {
        Set<String> keys = new TreeSet<>();
        for (Field f : JobOptions.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == ConfigOption.class) {
                try {
                    keys.add(((ConfigOption<?>) f.get(null)).key());
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        Set<String> declared =
                JobOptions.ALL.stream().map(ConfigOption::key).collect(Collectors.toSet());
        if (!keys.equals(declared)) {
            throw new IllegalStateException("JobOptions.ALL misses some constants: " + keys);
        }
        return keys;
    }

    /** The Flink ConfigOptions on the test classpath: org.apache.flink.configuration.*Options. */
    static final class FlinkOptionCatalogue {
        static final Map<String, ConfigOption<?>> OPTIONS = new HashMap<>();
        static final Map<String, String> DEPRECATED = new HashMap<>();

        static {
            try {
                Enumeration<URL> roots =
                        KubernetesManifestsTest.class
                                .getClassLoader()
                                .getResources("org/apache/flink/configuration/");
                Set<String> classes = new TreeSet<>();
                while (roots.hasMoreElements()) {
                    URL url = roots.nextElement();
                    if (url.getProtocol().equals("jar")) {
                        try (JarFile jar = ((JarURLConnection) url.openConnection()).getJarFile()) {
                            for (JarEntry e : java.util.Collections.list(jar.entries())) {
                                String n = e.getName();
                                if (n.matches(
                                        "org/apache/flink/configuration/[A-Za-z]+Options\\.class")) {
                                    classes.add(n.replace('/', '.').replace(".class", ""));
                                }
                            }
                        }
                    }
                }
                for (String name : classes) {
                    for (Field f : Class.forName(name).getFields()) {
                        if (Modifier.isStatic(f.getModifiers())
                                && ConfigOption.class.isAssignableFrom(f.getType())) {
                            ConfigOption<?> option = (ConfigOption<?>) f.get(null);
                            OPTIONS.putIfAbsent(option.key(), option);
                            for (FallbackKey fallback : option.fallbackKeys()) {
                                if (fallback.isDeprecated()) {
                                    DEPRECATED.put(fallback.getKey(), option.key());
                                }
                            }
                        }
                    }
                }
                if (OPTIONS.size() < 200
                        || !OPTIONS.containsKey("execution.checkpointing.interval")) {
                    throw new IllegalStateException("Flink's options not found: " + classes);
                }
            } catch (IOException | ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        static String suggestion(String key) {
            return JobConfig.suggestion(key, OPTIONS.keySet());
        }
    }

    /** The pytorch-jni version the build resolved, from the jar holding the cu128 JNI library. */
    static String pytorchJniVersion() {
        URL jni =
                KubernetesManifestsTest.class
                        .getClassLoader()
                        .getResource("jnilib/linux-x86_64/cu128/libdjl_torch.so");
        assertThat(jni).as("pytorch-jni with the cu128 JNI on the classpath").isNotNull();
        Matcher m = Pattern.compile("pytorch-jni-([^/!]+)\\.jar").matcher(jni.toString());
        assertThat(m.find()).as(jni.toString()).isTrue();
        return m.group(1);
    }

    static List<String> overrides(Map<String, Object> fd) {
        List<String> args = strings(at(fd, "spec", "job").get("args"));
        List<String> out = new ArrayList<>();
        for (int i = 0; i + 1 < args.size(); i += 2) {
            out.add(args.get(i + 1));
        }
        return out;
    }

    static Optional<Map<String, Object>> mainContainer(Map<String, Object> fd, String role) {
        return list(at(fd, "spec", role, "podTemplate", "spec").get("containers")).stream()
                .map(KubernetesManifestsTest::asMap)
                .filter(c -> "flink-main-container".equals(c.get("name")))
                .findFirst();
    }

    static long maxMessageBytes(Map<String, Object> topic) {
        return topic == null
                ? 0
                : ((Number) at(topic, "spec", "config").getOrDefault("max.message.bytes", 0))
                        .longValue();
    }

    static String topicName(Map<String, Object> topic) {
        Object name = at(topic, "spec").get("topicName");
        return name != null ? name.toString() : (String) at(topic, "metadata").get("name");
    }

    static Duration parseDuration(String s) {
        return Configuration.fromMap(Map.of(JobOptions.CHECKPOINT_INTERVAL.key(), s))
                .get(JobOptions.CHECKPOINT_INTERVAL);
    }

    /** The map at {@code path}, empty (and writable) when absent. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> at(Map<String, Object> node, String... path) {
        Map<String, Object> cur = node;
        for (String p : path) {
            Object next = cur.get(p);
            if (!(next instanceof Map<?, ?>)) {
                return new LinkedHashMap<>();
            }
            cur = (Map<String, Object>) next;
        }
        return cur;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> asMap(Object o) {
        return o instanceof Map<?, ?> ? (Map<String, Object>) o : Map.of();
    }

    static List<?> list(Object o) {
        return o instanceof List<?> l ? l : List.of();
    }

    static List<String> strings(Object o) {
        return list(o).stream().map(String::valueOf).toList();
    }

    static Map<String, Object> fuseDeployment() throws IOException {
        return only("FlinkDeployment").get(0);
    }

    static List<Map<String, Object>> only(String kind) throws IOException {
        return allManifests().stream().filter(d -> kind.equals(d.get("kind"))).toList();
    }

    static List<Map<String, Object>> allManifests() throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(K8S)) {
            files = walk.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).isNotEmpty();
        for (Path file : files) {
            Load load = new Load(LoadSettings.builder().setLabel(file.toString()).build());
            for (Object doc : load.loadAllFromString(Files.readString(file))) {
                if (doc != null) {
                    docs.add(asMap(doc));
                }
            }
        }
        return docs;
    }

    static Map<String, Object> yaml(String text) {
        return asMap(new Load(LoadSettings.builder().build()).loadFromString(text));
    }

    static Map<String, Object> flinkDeployment(String flinkConfiguration) {
        String indented = flinkConfiguration.strip().replace("\n", "\n    ");
        return yaml(
                "apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\nmetadata: {name: x}\n"
                        + "spec:\n  flinkConfiguration:\n    "
                        + indented
                        + "\n");
    }

    static Map<String, Object> jobWithArgs(String... args) {
        Map<String, Object> fd = flinkDeployment("taskmanager.numberOfTaskSlots: \"1\"");
        Map<String, Object> job = new LinkedHashMap<>();
        job.put("args", List.of(args));
        at(fd, "spec").put("job", job);
        return fd;
    }

    private static Path projectRoot() {
        String root = System.getProperty("avfuse.project.root");
        Path p = root != null ? Path.of(root) : Path.of("").toAbsolutePath().getParent();
        if (!Files.isDirectory(p.resolve("deploy/k8s"))) {
            throw new IllegalStateException("no deploy/k8s under " + p);
        }
        return p;
    }
}
