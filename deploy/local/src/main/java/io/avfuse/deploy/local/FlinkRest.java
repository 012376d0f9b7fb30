package io.avfuse.deploy.local;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The few calls of Flink's REST API the local cluster needs (overview, jar upload and run, job
 * state, cancel), on the JDK's HTTP client. Responses are small flat JSON objects, read with
 * regular expressions so that the launcher needs nothing but the JDK.
 *
 * <p>{@code new FlinkRest(URI.create("http://127.0.0.1:8081")).taskManagers()}
 */
public final class FlinkRest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final URI base;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public FlinkRest(URI base) {
        this.base = base;
    }

    public URI base() {
        return base;
    }

    /** Registered TaskManagers according to {@code GET /overview}; empty if REST is not up. */
    public Optional<Integer> taskManagers() {
        try {
            return Optional.of(Integer.parseInt(field(get("/overview"), "taskmanagers")));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** {@code GET path}: the body of a 200 response. */
    public String get(String path) throws IOException {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET());
    }

    /**
     * Uploads {@code jar} ({@code POST /jars/upload}) and runs {@code entryClass} with {@code args}
     * ({@code POST /jars/:id/run}); returns the job id. The main method runs in the JobManager.
     */
    public String submit(Path jar, String entryClass, List<String> args, int parallelism)
            throws IOException {
        String boundary = "avfuse-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(
                ("--"
                                + boundary
                                + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                                + jar.getFileName()
                                + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n")
                        .getBytes(StandardCharsets.UTF_8));
        body.writeBytes(Files.readAllBytes(jar));
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        String uploaded =
                send(
                        HttpRequest.newBuilder(base.resolve("/jars/upload"))
                                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
        String file = field(uploaded, "filename");
        String jarId = file.substring(file.lastIndexOf('/') + 1);
        String run =
                "{\"entryClass\":"
                        + quote(entryClass)
                        + ",\"parallelism\":"
                        + parallelism
                        + ",\"programArgsList\":["
                        + args.stream().map(FlinkRest::quote).collect(Collectors.joining(","))
                        + "]}";
        String response =
                send(
                        HttpRequest.newBuilder(base.resolve("/jars/" + jarId + "/run"))
                                .header("Content-Type", "application/json")
                                .timeout(Duration.ofMinutes(2))
                                .POST(HttpRequest.BodyPublishers.ofString(run)));
        return field(response, "jobid");
    }

    /** The job's state ({@code RUNNING}, {@code RESTARTING}, ...). */
    public String jobState(String jobId) throws IOException {
        return field(get("/jobs/" + jobId), "state");
    }

    /**
     * Whether the job is {@code RUNNING} and so is every one of its vertices (all tasks deployed
     * and running, not only scheduled).
     */
    public boolean allTasksRunning(String jobId) throws IOException {
        String details = get("/jobs/" + jobId);
        if (!"RUNNING".equals(field(details, "state"))) {
            return false;
        }
        List<String> statuses = all(details, "status");
        return !statuses.isEmpty() && statuses.stream().allMatch("RUNNING"::equals);
    }

    /** The job's {@code numRestarts} metric (0 before the first restart). */
    public long restarts(String jobId) throws IOException {
        String metrics = get("/jobs/" + jobId + "/metrics?get=numRestarts");
        List<String> values = all(metrics, "value");
        return values.isEmpty() ? 0 : Long.parseLong(values.get(0));
    }

    /**
     * When the job last went {@code RESTARTING} (epoch ms, the {@code timestamps} of {@code GET
     * /jobs/:id}); 0 if it never did. Unlike {@code numRestarts}, which the REST API serves from a
     * metric cache, this comes from the execution graph itself.
     */
    public long lastRestartMillis(String jobId) throws IOException {
        return Long.parseLong(field(get("/jobs/" + jobId), "RESTARTING"));
    }

    /** Completed checkpoints of the job. */
    public long completedCheckpoints(String jobId) throws IOException {
        return Long.parseLong(field(get("/jobs/" + jobId + "/checkpoints"), "completed"));
    }

    /**
     * Resource ids ({@code tm-0}, ...) of the registered TaskManagers that have a slot in use
     * ({@code GET /taskmanagers}): with one job on the cluster, those that run its tasks.
     */
    public List<String> busyTaskManagers() throws IOException {
        return busyTaskManagers(get("/taskmanagers"));
    }

    static List<String> busyTaskManagers(String taskManagers) {
        List<String> busy = new ArrayList<>();
        // One chunk per TaskManager: each object of the list opens with its "id".
        String[] chunks = taskManagers.split("\\{\"id\"\\s*:");
        for (int i = 1; i < chunks.length; i++) {
            String tm = "{\"id\":" + chunks[i];
            int slots = Integer.parseInt(field(tm, "slotsNumber"));
            int free = Integer.parseInt(field(tm, "freeSlots"));
            if (free < slots) {
                busy.add(field(tm, "id"));
            }
        }
        return busy;
    }

    /** Ids and states of every job the cluster knows, as {@code id state} lines. */
    public List<String> jobs() throws IOException {
        String overview = get("/jobs/overview");
        List<String> ids = all(overview, "jid");
        List<String> names = all(overview, "name");
        List<String> states = all(overview, "state");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            lines.add(
                    ids.get(i)
                            + " "
                            + (i < states.size() ? states.get(i) : "?")
                            + " "
                            + (i < names.size() ? names.get(i) : ""));
        }
        return lines;
    }

    /** Cancels a job ({@code PATCH /jobs/:id?mode=cancel}). */
    public void cancel(String jobId) throws IOException {
        send(
                HttpRequest.newBuilder(base.resolve("/jobs/" + jobId + "?mode=cancel"))
                        .method("PATCH", HttpRequest.BodyPublishers.noBody()));
    }

    private String send(HttpRequest.Builder request) throws IOException {
        HttpResponse<String> response;
        try {
            response =
                    http.send(
                            request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (response.statusCode() / 100 != 2) {
            throw new IOException(
                    response.request().method()
                            + " "
                            + response.uri()
                            + " answered "
                            + response.statusCode()
                            + ": "
                            + response.body());
        }
        return response.body();
    }

    /** The first value of {@code "name": value} (string or number) in {@code json}. */
    static String field(String json, String name) {
        List<String> values = all(json, name);
        if (values.isEmpty()) {
            throw new UncheckedIOException(
                    new IOException("no '" + name + "' in the response: " + json));
        }
        return values.get(0);
    }

    static List<String> all(String json, String name) {
        Matcher m =
                Pattern.compile(
                                "\""
                                        + Pattern.quote(name)
                                        + "\"\\s*:\\s*(?:\"((?:[^\"\\\\]|\\\\.)*)\"|(-?[0-9.]+))")
                        .matcher(json);
        List<String> values = new ArrayList<>();
        while (m.find()) {
            values.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        return values;
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
