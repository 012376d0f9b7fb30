package io.avfuse.jobs.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.serde.AvroSerde;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.connectors.testing.KafkaTestClients;
import io.avfuse.jobs.job.FuseJobSettings;
import io.avfuse.jobs.job.JobRest;
import io.avfuse.jobs.model.FusionInferenceTest;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.FrameEncoding;
import io.avfuse.schemas.SampleFormat;
import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.TextKind;
import io.avfuse.schemas.VideoFrame;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard end to end: the real fusion job on a MiniCluster with a real (freshly initialised)
 * model reads JPEG frames, audio and captions from a real broker and writes predictions and
 * embeddings exactly once; the dashboard reads them read_committed and Debian's headless Chromium,
 * driven by playwright-core ({@code src/test/js/dashboard-e2e.mjs}), watches the windows arrive
 * live, sees the degraded periods and thumbnails, searches, and saves a screenshot to {@code
 * target/dashboard-e2e/dashboard.png}. The search's exact-caption check holds for any weights: a
 * caption embedded by the dashboard must land on the window the job embedded it in.
 */
class DashboardITCase {
    @RegisterExtension static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();

    @RegisterExtension static final MiniClusterExtension FLINK = JobRest.miniCluster();

    private static final List<String> STREAMS = List.of("cam-a", "cam-b", "cam-c");
    private static final int SECONDS = 6;
    private static final long S = 1_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path tmp;

    @Test
    void browserSeesLiveWindowsDegradedPeriodsThumbnailsAndFindsACaption() throws Exception {
        Path e2e = Path.of("target", "e2e").toAbsolutePath();
        assertThat(e2e.resolve("node_modules/playwright-core"))
                .as("playwright-core is installed by the build (npm ci, generate-test-resources)")
                .isDirectory();
        // The script runs next to its node_modules; always the current version of it.
        Files.copy(
                Path.of("src", "test", "js", "dashboard-e2e.mjs"),
                e2e.resolve("dashboard-e2e.mjs"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path shots = Files.createDirectories(Path.of("target", "dashboard-e2e").toAbsolutePath());
        Path screenshot = shots.resolve("dashboard.png");
        Files.deleteIfExists(screenshot);

        // Words of the test model's vocabulary (FusionInferenceTest.savedModel).
        Path model = FusionInferenceTest.savedModel(tmp, 16, List.of("video", "audio"));
        List<String> captions = captions(List.of("goal", "foul", "calm", "crowd", "referee"));
        FuseJobSettings.Topics topics = FuseJobSettings.Topics.unique(KAFKA, "dash");
        String video = topics.video();
        String audio = topics.audio();
        String text = topics.text();
        String predictions = topics.predictions();
        String embeddings = topics.embeddings();
        String dlq = topics.deadletter();
        KAFKA.createTopics(1, (short) 1, video, audio, dlq);
        KAFKA.createTopics(2, (short) 1, text, predictions, embeddings);
        // Event time two minutes ago, on a whole second: windows start at T0 + n s.
        long t0 = (System.currentTimeMillis() / 1000 - 120) * S;

        Dashboard.Settings settings =
                new Dashboard.Settings(
                        KAFKA.bootstrapServers(),
                        Map.of(),
                        predictions,
                        embeddings,
                        video,
                        "earliest",
                        WireFormat.SINGLE_OBJECT,
                        model,
                        "127.0.0.1",
                        0,
                        32,
                        300);
        long startNs = System.nanoTime();
        Process browser = null;
        JobClient job = null;
        try (Dashboard dashboard = Dashboard.start(settings)) {
            assertThat(dashboard.address().getAddress().isLoopbackAddress()).isTrue();
            String url = dashboard.url();
            HttpClient http = HttpClient.newHttpClient();

            // The browser opens the page before any record exists: everything after arrives live.
            String query = captions.get(SECONDS + 4); // cam-b, window 4 (degraded: no audio)
            long expectedStart = t0 + 4 * S;
            ProcessBuilder pb =
                    new ProcessBuilder("node", e2e.resolve("dashboard-e2e.mjs").toString())
                            .redirectErrorStream(true);
            pb.environment()
                    .putAll(
                            Map.of(
                                    "DASHBOARD_URL",
                                    url,
                                    "STREAMS",
                                    String.join(",", STREAMS),
                                    "WINDOWS",
                                    Integer.toString(SECONDS),
                                    "DEGRADED_STREAMS",
                                    "cam-b,cam-c",
                                    "QUERY",
                                    query,
                                    "AGAINST",
                                    "text",
                                    "EXPECT_STREAM",
                                    "cam-b",
                                    "EXPECT_START",
                                    Long.toString(expectedStart),
                                    "SCREENSHOT",
                                    screenshot.toString(),
                                    "TIMEOUT_MS",
                                    "150000"));
            browser = pb.start();
            List<String> lines = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch ready = new CountDownLatch(1);
            Process p = browser;
            Thread reader =
                    new Thread(
                            () -> {
                                try (BufferedReader r =
                                        new BufferedReader(
                                                new InputStreamReader(
                                                        p.getInputStream(),
                                                        StandardCharsets.UTF_8))) {
                                    for (String line; (line = r.readLine()) != null; ) {
                                        System.out.println("[e2e] " + line);
                                        lines.add(line);
                                        if (line.startsWith("READY")) {
                                            ready.countDown();
                                        }
                                    }
                                } catch (java.io.IOException ignored) {
                                    // process ended
                                }
                            },
                            "e2e-output");
            reader.start();
            assertThat(ready.await(60, TimeUnit.SECONDS)).as("browser ready: %s", lines).isTrue();
            assertThat(lines).as("no window before any input").contains("READY 0");

            job = FuseJobSettings.of(KAFKA.bootstrapServers(), topics, model).start("dashboard-it");
            KafkaTestClients.produce(
                    KAFKA.bootstrapServers(), records(t0, captions, video, audio, text));

            assertThat(browser.waitFor(200, TimeUnit.SECONDS)).as("browser test ended").isTrue();
            reader.join(5_000);
            String out = String.join("\n", lines);
            assertThat(browser.exitValue()).as(out).isZero();
            assertThat(out)
                    .contains("OK stream cam-a", "OK stream cam-b", "OK stream cam-c")
                    .contains("OK stream cam-b: degraded period highlighted")
                    .contains("OK thumbnails")
                    .contains("OK search")
                    .contains("OK screenshot");
            byte[] png = Files.readAllBytes(screenshot);
            assertThat(ImageIO.read(new ByteArrayInputStream(png)).getWidth()).isEqualTo(1500);

            // The same through the JSON API, to the window.
            JsonNode snap = get(http, url + "api/snapshot");
            List<JsonNode> windows = new ArrayList<>();
            snap.get("windows").forEach(windows::add);
            for (String stream : STREAMS) {
                List<JsonNode> ws =
                        windows.stream()
                                .filter(w -> w.get("stream").asText().equals(stream))
                                .toList();
                assertThat(ws)
                        .extracting(w -> w.get("startUs").asLong())
                        .containsExactly(
                                t0, t0 + S, t0 + 2 * S, t0 + 3 * S, t0 + 4 * S, t0 + 5 * S);
                for (JsonNode w : ws) {
                    long i = (w.get("startUs").asLong() - t0) / S;
                    boolean cut = !stream.equals("cam-a") && i >= 3;
                    assertThat(w.get("degraded").asBoolean())
                            .as("%s w%d", stream, i)
                            .isEqualTo(cut);
                    assertThat(w.get("present").get(1).asBoolean())
                            .isEqualTo(!(stream.equals("cam-b") && i >= 3));
                    assertThat(w.get("present").get(0).asBoolean())
                            .isEqualTo(!(stream.equals("cam-c") && i >= 3));
                    assertThat(w.get("embedded").asBoolean()).isTrue();
                    // cam-c sends no frames from 3 s on: no thumbnail there.
                    assertThat(w.get("thumbnail").asBoolean())
                            .as("%s w%d thumbnail", stream, i)
                            .isEqualTo(!(stream.equals("cam-c") && i >= 3));
                }
            }
            JsonNode stats = snap.get("stats");
            assertThat(stats.get("malformed").asLong()).isZero();
            assertThat(stats.get("latency").get(3).get("n").asInt()).isGreaterThanOrEqualTo(18);

            // The thumbnail is the frame nearest the window's midpoint (frame 5 of 10 in the
            // second), scaled to 160 px wide: its marker column says which frame it was.
            HttpResponse<byte[]> frame =
                    http.send(
                            HttpRequest.newBuilder(URI.create(url + "frame/cam-a/" + (t0 + 2 * S)))
                                    .build(),
                            HttpResponse.BodyHandlers.ofByteArray());
            assertThat(frame.statusCode()).isEqualTo(200);
            assertThat(frame.headers().firstValue("Content-Type")).hasValue("image/jpeg");
            BufferedImage thumb = ImageIO.read(new ByteArrayInputStream(frame.body()));
            assertThat(thumb.getWidth()).isEqualTo(160);
            assertThat(markerFrame(thumb)).isEqualTo(25);
            assertThat(
                            http.send(
                                            HttpRequest.newBuilder(URI.create(url + "frame/nope/1"))
                                                    .build(),
                                            HttpResponse.BodyHandlers.discarding())
                                    .statusCode())
                    .isEqualTo(404);

            // Search: a window's own caption finds that window first, at cosine 1.
            JsonNode byText = get(http, url + "api/search?against=text&q=" + enc(query));
            assertThat(byText.get("results").get(0).get("stream").asText()).isEqualTo("cam-b");
            assertThat(byText.get("results").get(0).get("startUs").asLong())
                    .isEqualTo(expectedStart);
            assertThat(byText.get("results").get(0).get("score").asDouble()).isGreaterThan(0.999);
            assertThat(byText.get("results").get(1).get("score").asDouble()).isLessThan(0.999);
            // The default compares with video+audio+metadata: every window has one of those.
            JsonNode byWindow = get(http, url + "api/search?k=100&q=" + enc(query));
            assertThat(byWindow.get("against").asText()).isEqualTo("window");
            assertThat(byWindow.get("compared").asInt()).isEqualTo(18);
            List<Double> scores = new ArrayList<>();
            byWindow.get("results").forEach(r -> scores.add(r.get("score").asDouble()));
            assertThat(scores).hasSize(18).isSortedAccordingTo((a, b) -> Double.compare(b, a));
            assertThat(scores).allSatisfy(s -> assertThat(s).isBetween(-1.0001, 1.0001));
            // A query the model cannot read is refused with the reason.
            HttpResponse<String> unknown =
                    http.send(
                            HttpRequest.newBuilder(
                                            URI.create(
                                                    url + "api/search?q=" + enc("zebra xylophone")))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(unknown.statusCode()).isEqualTo(400);
            assertThat(unknown.body()).contains("vocabulary");
            System.out.printf(
                    "DashboardITCase: %.1f s; screenshot %s%n",
                    (System.nanoTime() - startNs) / 1e9, screenshot);
        } finally {
            if (browser != null && browser.isAlive()) {
                browser.destroy();
                browser.waitFor(10, TimeUnit.SECONDS);
            }
            if (job != null) {
                job.cancel().get();
            }
        }
    }

    /** Every set of one, two and three words, in a fixed order: a distinct caption per window. */
    private static List<String> captions(List<String> words) {
        List<String> out = new ArrayList<>();
        int n = words.size();
        for (int a = 0; a < n; a++) {
            out.add(words.get(a));
        }
        for (int a = 0; a < n; a++) {
            for (int b = a + 1; b < n; b++) {
                out.add(words.get(a) + " " + words.get(b));
            }
        }
        for (int a = 0; a < n; a++) {
            for (int b = a + 1; b < n; b++) {
                for (int c = b + 1; c < n; c++) {
                    out.add(words.get(a) + " " + words.get(b) + " " + words.get(c));
                }
            }
        }
        return out;
    }

    /**
     * Three streams of {@link #SECONDS} s: JPEG frames at 10 fps, audio in 100 ms chunks and one
     * caption per second; cam-b loses its audio and cam-c its video from 3 s on. A "clock" stream
     * 20 s later carries every watermark past the last window.
     */
    private static List<ProducerRecord<byte[], byte[]>> records(
            long t0, List<String> captions, String video, String audio, String text)
            throws Exception {
        var vs = AvroSerde.of(RecordType.VIDEO_FRAME, WireFormat.SINGLE_OBJECT);
        var as = AvroSerde.of(RecordType.AUDIO_CHUNK, WireFormat.SINGLE_OBJECT);
        var ts = AvroSerde.of(RecordType.TEXT_EVENT, WireFormat.SINGLE_OBJECT);
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        List<String> all = new ArrayList<>(STREAMS);
        all.add("clock");
        for (int s = 0; s < all.size(); s++) {
            String stream = all.get(s);
            boolean clock = stream.equals("clock");
            byte[] key = stream.getBytes(StandardCharsets.UTF_8);
            long from = clock ? 20 * S : 0;
            long to = clock ? 20 * S + 100_000 : SECONDS * S;
            for (long t = from, i = 0; t < to; t += 100_000, i++) {
                long at = t0 + t;
                if (!(stream.equals("cam-c") && t >= 3 * S)) {
                    VideoFrame f =
                            VideoFrame.newBuilder()
                                    .setStreamId(stream)
                                    .setFrameIndex(i)
                                    .setEventTimeUs(at)
                                    .setWidth(320)
                                    .setHeight(240)
                                    .setEncoding(FrameEncoding.JPEG)
                                    .setData(ByteBuffer.wrap(jpeg(s, (int) (t / 100_000))))
                                    .build();
                    out.add(new ProducerRecord<>(video, null, at / 1000, key, vs.encode(f)));
                }
                if (!(stream.equals("cam-b") && t >= 3 * S)) {
                    AudioChunk c =
                            AudioChunk.newBuilder()
                                    .setStreamId(stream)
                                    .setChunkIndex(i)
                                    .setStartTimeUs(at)
                                    .setSampleRate(16_000)
                                    .setChannels(1)
                                    .setSampleFormat(SampleFormat.F32LE)
                                    .setSamples(tone(220 * (s + 1), t))
                                    .build();
                    out.add(new ProducerRecord<>(audio, null, at / 1000, key, as.encode(c)));
                }
                if (t % S == 0) {
                    int w = (int) (t / S);
                    TextEvent e =
                            TextEvent.newBuilder()
                                    .setStreamId(stream)
                                    .setEventTimeUs(at + 100_000)
                                    .setDurationUs(800_000)
                                    .setKind(TextKind.CAPTION)
                                    .setText(clock ? "calm" : captions.get(s * SECONDS + w))
                                    .build();
                    out.add(
                            new ProducerRecord<>(
                                    text, null, (at + 100_000) / 1000, key, ts.encode(e)));
                }
            }
        }
        out.sort(java.util.Comparator.comparingLong(ProducerRecord::timestamp));
        return out;
    }

    /**
     * A 320x240 JPEG: the stream's colour, a ball moving with time, and a white marker column whose
     * position (one of 60 slots) says which 100 ms frame this is.
     */
    private static byte[] jpeg(int stream, int frame) throws Exception {
        BufferedImage img = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setColor(Color.getHSBColor(stream * 0.27f + 0.55f, 0.55f, 0.45f));
            g.fillRect(0, 0, 320, 240);
            g.setColor(new Color(255, 210, 90));
            int x = 20 + (frame * 9) % 260;
            g.fillOval(x, 60 + (int) (50 * Math.sin(frame / 3.0)), 50, 50);
            g.setColor(Color.WHITE);
            g.fillRect(frame * 5 + 1, 200, 4, 40); // marker: 60 slots of 5 px across the bottom
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpeg", out);
        return out.toByteArray();
    }

    /** Which frame a thumbnail shows: the slot of the brightest column along the bottom. */
    private static int markerFrame(BufferedImage thumb) {
        double scale = thumb.getWidth() / 320.0;
        int y = thumb.getHeight() - 4;
        int best = -1;
        int bestValue = -1;
        for (int slot = 0; slot < 60; slot++) {
            int x = (int) Math.round((slot * 5 + 3) * scale);
            int rgb = thumb.getRGB(Math.min(thumb.getWidth() - 1, x), y);
            int v = ((rgb >> 16) & 0xff) + ((rgb >> 8) & 0xff) + (rgb & 0xff);
            if (v > bestValue) {
                bestValue = v;
                best = slot;
            }
        }
        return best;
    }

    private static ByteBuffer tone(double hz, long startUs) {
        int n = 1600;
        ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            double t = startUs / 1e6 + i / 16_000.0;
            b.putFloat((float) (0.3 * Math.sin(2 * Math.PI * hz * t)));
        }
        b.flip();
        return b;
    }

    private static JsonNode get(HttpClient http, String url) throws Exception {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(URI.create(url)).build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
