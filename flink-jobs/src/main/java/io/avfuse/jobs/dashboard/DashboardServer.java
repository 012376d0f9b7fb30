package io.avfuse.jobs.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.avfuse.schemas.ModalityPresence;
import io.avfuse.schemas.Prediction;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The dashboard's HTTP side on the JDK's {@code com.sun.net.httpserver}: the page and its script
 * (classpath resources, nothing from a CDN), a JSON snapshot, live updates as server-sent events,
 * text search and the thumbnails.
 *
 * <ul>
 *   <li>{@code GET /} the page; {@code /static/dashboard.js}, {@code /static/dashboard.css}
 *   <li>{@code GET /api/snapshot} every window held, the latency percentiles and counters
 *   <li>{@code GET /api/events} {@code text/event-stream}: {@code snapshot} first, then {@code
 *       window} (a window added or changed) and {@code stats} (every second)
 *   <li>{@code GET /api/search?q=TEXT&against=window|fused|text|video|audio|metadata&k=10}
 *   <li>{@code GET /frame/{stream}/{windowStartUs}} the window's thumbnail (JPEG)
 * </ul>
 */
final class DashboardServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WEB = "/io/avfuse/jobs/dashboard/web/";
    private static final Map<String, String> STATIC =
            Map.of(
                    "/", "index.html",
                    "/static/dashboard.js", "dashboard.js",
                    "/static/dashboard.css", "dashboard.css");
    private static final int MAX_CLIENTS = 32;
    private static final int CLIENT_QUEUE = 4096;

    /** What the search and the status line need from the rest of the dashboard. */
    interface Backend {
        /** The query embedder, empty when the dashboard runs without a model. */
        Optional<QueryEmbedder> embedder();

        /** Counters and errors of the feed, as name/value pairs. */
        Map<String, Object> status();
    }

    private final WindowStore store;
    private final Backend backend;
    private final HttpServer http;
    private final ExecutorService handlers;
    private final ScheduledExecutorService ticker;
    private final Set<BlockingQueue<String>> clients = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    DashboardServer(WindowStore store, Backend backend, String bind, int port) throws IOException {
        this.store = store;
        this.backend = backend;
        this.http = HttpServer.create(new InetSocketAddress(bind, port), 64);
        // One thread per open event stream plus a few for requests; bounded by MAX_CLIENTS.
        this.handlers =
                Executors.newFixedThreadPool(
                        MAX_CLIENTS + 8,
                        r -> {
                            Thread t = new Thread(r, "avfuse-dashboard-http");
                            t.setDaemon(true);
                            return t;
                        });
        http.setExecutor(handlers);
        http.createContext("/", this::route);
        this.ticker =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "avfuse-dashboard-stats");
                            t.setDaemon(true);
                            return t;
                        });
    }

    void start() {
        http.start();
        ticker.scheduleAtFixedRate(
                () -> broadcast("stats", stats().toString()), 1, 1, TimeUnit.SECONDS);
    }

    /** The address the server listens on (the port is the real one when 0 was asked for). */
    InetSocketAddress address() {
        return http.getAddress();
    }

    /** Sends a changed window to every open event stream. */
    void windowChanged(WindowStore.Window w) {
        ObjectNode json;
        synchronized (store) {
            json = window(w);
        }
        broadcast("window", json.toString());
    }

    private void broadcast(String event, String data) {
        String message = "event: " + event + "\ndata: " + data + "\n\n";
        for (BlockingQueue<String> q : clients) {
            if (!q.offer(message)) {
                // A client too slow to keep up: drop it; its EventSource reconnects and gets a
                // fresh snapshot.
                clients.remove(q);
                q.clear();
                q.offer("");
            }
        }
    }

    private void route(HttpExchange ex) throws IOException {
        try (ex) {
            if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
                send(ex, 405, "text/plain", "GET only\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            String path = ex.getRequestURI().getRawPath();
            if (STATIC.containsKey(path)) {
                resource(ex, STATIC.get(path));
            } else if (path.equals("/api/snapshot")) {
                json(ex, 200, snapshot());
            } else if (path.equals("/api/events")) {
                events(ex);
            } else if (path.equals("/api/search")) {
                search(ex);
            } else if (path.startsWith("/frame/")) {
                frame(ex, path.substring("/frame/".length()));
            } else {
                send(ex, 404, "text/plain", "not found\n".getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // the client went away
        } catch (RuntimeException e) {
            try {
                ObjectNode err = JSON.createObjectNode().put("error", e.toString());
                json(ex, 500, err);
            } catch (IOException | RuntimeException ignored) {
                // headers already sent
            }
        }
    }

    private void resource(HttpExchange ex, String name) throws IOException {
        try (InputStream in = DashboardServer.class.getResourceAsStream(WEB + name)) {
            if (in == null) {
                throw new IllegalStateException("missing classpath resource " + WEB + name);
            }
            String type =
                    name.endsWith(".html")
                            ? "text/html; charset=utf-8"
                            : name.endsWith(".js")
                                    ? "text/javascript; charset=utf-8"
                                    : "text/css; charset=utf-8";
            send(ex, 200, type, in.readAllBytes());
        }
    }

    private ObjectNode snapshot() {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode windows = root.putArray("windows");
        synchronized (store) {
            for (WindowStore.Window w : store.windows()) {
                windows.add(window(w));
            }
        }
        root.set("stats", stats());
        return root;
    }

    private ObjectNode stats() {
        ObjectNode s = JSON.createObjectNode();
        long[] c = store.counts();
        s.put("predictions", c[0]).put("embeddings", c[1]).put("frames", c[2]);
        s.put("thumbnailErrors", c[3]).put("modelVersion", store.lastModelVersion());
        Optional<QueryEmbedder> q = backend.embedder();
        s.put("searchModel", q.map(QueryEmbedder::version).orElse(null));
        backend.status().forEach((k, v) -> s.putPOJO(k, v));
        ArrayNode lat = s.putArray("latency");
        store.latency()
                .forEach(
                        (kind, p) ->
                                lat.addObject()
                                        .put("kind", kind.name())
                                        .put("title", kind.title)
                                        .put("p50", ms(p.p50()))
                                        .put("p90", ms(p.p90()))
                                        .put("p99", ms(p.p99()))
                                        .put("n", p.n()));
        return s;
    }

    private static Double ms(double v) {
        return Double.isNaN(v) ? null : Math.round(v * 10) / 10.0;
    }

    /** A window as the page draws it; times in milliseconds since the epoch. */
    private static ObjectNode window(WindowStore.Window w) {
        ObjectNode o = JSON.createObjectNode();
        o.put("stream", w.stream).put("startUs", w.startUs);
        o.put("start", w.startUs / 1000.0).put("end", w.endUs / 1000.0);
        Prediction p = w.prediction;
        if (p != null) {
            o.put("label", p.getLabel()).put("confidence", p.getConfidence());
            o.put("degraded", p.getDegraded()).put("model", p.getModelVersion());
            o.set("present", presence(p.getPresence()));
            long emitted = p.getTimes().getEmittedAtUs();
            if (emitted > 0) {
                o.put("latencyMs", (emitted - w.endUs) / 1000.0);
            }
        }
        o.put("embedded", w.embedding != null);
        o.put("thumbnail", w.thumbnail != null);
        return o;
    }

    private static ArrayNode presence(ModalityPresence p) {
        ArrayNode a = JSON.createArrayNode();
        a.add(p.getVideo()).add(p.getAudio()).add(p.getText()).add(p.getMetadata());
        return a;
    }

    private void events(HttpExchange ex) throws IOException {
        if (clients.size() >= MAX_CLIENTS) {
            send(ex, 503, "text/plain", "too many dashboards open\n".getBytes());
            return;
        }
        BlockingQueue<String> q = new ArrayBlockingQueue<>(CLIENT_QUEUE);
        // Registered before the snapshot is taken: a change made meanwhile arrives twice at worst,
        // and the page applies a window twice to the same effect.
        clients.add(q);
        try {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            ex.getResponseHeaders().set("Cache-Control", "no-cache");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            write(out, "retry: 1000\nevent: snapshot\ndata: " + snapshot() + "\n\n");
            while (!closed) {
                String m;
                try {
                    m = q.poll(15, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                if (m == null) {
                    write(out, ": keep-alive\n\n");
                } else if (m.isEmpty()) {
                    return; // dropped as too slow
                } else {
                    write(out, m);
                }
            }
        } finally {
            clients.remove(q);
        }
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private void search(HttpExchange ex) throws IOException {
        Map<String, String> params = query(ex.getRequestURI());
        String text = params.getOrDefault("q", "");
        WindowStore.Against against;
        int k;
        try {
            against =
                    WindowStore.Against.valueOf(
                            params.getOrDefault("against", "window").toUpperCase(Locale.ROOT));
            k = Math.max(1, Math.min(100, Integer.parseInt(params.getOrDefault("k", "10"))));
        } catch (IllegalArgumentException e) {
            json(ex, 400, JSON.createObjectNode().put("error", "bad parameter: " + e.getMessage()));
            return;
        }
        Optional<QueryEmbedder> embedder = backend.embedder();
        if (embedder.isEmpty()) {
            json(
                    ex,
                    409,
                    JSON.createObjectNode()
                            .put(
                                    "error",
                                    "search needs a model: start the dashboard with --model DIR"));
            return;
        }
        QueryEmbedder q = embedder.get();
        float[] vector;
        try {
            vector = q.embed(text);
        } catch (IllegalArgumentException e) {
            json(ex, 400, JSON.createObjectNode().put("error", e.getMessage()));
            return;
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("query", text).put("against", against.name().toLowerCase(Locale.ROOT));
        root.put("model", q.version());
        synchronized (store) {
            WindowStore.Ranking r = store.search(vector, against, q.version(), k);
            root.put("compared", r.compared()).put("skipped", r.skipped());
            ArrayNode others = root.putArray("otherModels");
            r.otherVersions().forEach(others::add);
            ArrayNode hits = root.putArray("results");
            for (WindowStore.Hit h : r.hits()) {
                hits.add(window(h.window()).put("score", Math.round(h.score() * 1e4) / 1e4));
            }
        }
        json(ex, 200, root);
    }

    private void frame(HttpExchange ex, String rest) throws IOException {
        int slash = rest.lastIndexOf('/');
        Optional<byte[]> jpeg = Optional.empty();
        if (slash > 0) {
            String stream = URLDecoder.decode(rest.substring(0, slash), StandardCharsets.UTF_8);
            try {
                jpeg = store.thumbnail(stream, Long.parseLong(rest.substring(slash + 1)));
            } catch (NumberFormatException e) {
                // not a window start: 404 below
            }
        }
        if (jpeg.isEmpty()) {
            send(ex, 404, "text/plain", "no frame for that window\n".getBytes());
            return;
        }
        ex.getResponseHeaders().set("Cache-Control", "max-age=60");
        send(ex, 200, "image/jpeg", jpeg.get());
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> out = new HashMap<>();
        String raw = uri.getRawQuery();
        if (raw == null) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            out.put(
                    URLDecoder.decode(key, StandardCharsets.UTF_8),
                    URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return out;
    }

    private static void json(HttpExchange ex, int status, Object body) throws IOException {
        send(ex, status, "application/json", JSON.writeValueAsBytes(body));
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body)
            throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        boolean head = "HEAD".equals(ex.getRequestMethod());
        ex.sendResponseHeaders(status, head ? -1 : body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        ticker.shutdownNow();
        for (BlockingQueue<String> q : clients) {
            q.offer("");
        }
        http.stop(0);
        handlers.shutdownNow();
    }

    /** For the status line: a supplier evaluated on every stats tick. */
    static Map<String, Object> status(Supplier<Long> malformed, Supplier<String> lastError) {
        Map<String, Object> m = new HashMap<>();
        m.put("malformed", malformed.get());
        m.put("kafkaError", lastError.get());
        return m;
    }
}
