package io.avfuse.jobs.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.avfuse.schemas.Embedding;
import io.avfuse.schemas.FrameEncoding;
import io.avfuse.schemas.ModalityPresence;
import io.avfuse.schemas.Prediction;
import io.avfuse.schemas.StageTimes;
import io.avfuse.schemas.VideoFrame;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The dashboard's bounded state: eviction, thumbnails, search vectors, percentiles. */
class WindowStoreTest {
    private static final long T0 = 1_767_225_600_000_000L;
    private static final long S = 1_000_000L;

    @Test
    void keepsTheLastWindowsOfTheMostRecentlyUpdatedStreams() {
        WindowStore store = new WindowStore(new WindowStore.Limits(2, 3, 100, 8, 160));
        for (int w = 0; w < 5; w++) {
            store.onPrediction(prediction("a", w, false), T0 + (w + 2) * S);
        }
        store.onPrediction(prediction("b", 0, false), T0);
        store.onPrediction(prediction("a", 5, false), T0); // a is now the most recent
        store.onPrediction(prediction("c", 0, false), T0); // drops b, the least recent

        assertThat(store.windows())
                .extracting(w -> w.stream + "@" + (w.startUs - T0) / S)
                .containsExactly("a@3", "a@4", "a@5", "c@0");
        assertThat(store.counts()[0]).isEqualTo(8);
    }

    @Test
    void theThumbnailIsTheFrameNearestTheMidpointWhicheverComesFirst() throws Exception {
        WindowStore store = new WindowStore(WindowStore.Limits.defaults());
        // Frames before their window's prediction (live) ...
        for (int f = 0; f < 10; f++) {
            assertThat(store.onFrame(frame("live", T0 + f * 100_000, f))).isEmpty();
        }
        WindowStore.Window live = store.onPrediction(prediction("live", 0, false), T0 + S);
        assertThat(live.thumbnailDistanceUs).isZero();
        assertThat(gray(store.thumbnail("live", T0).orElseThrow())).isCloseTo(5 * 25, jpegWithin());

        // ... and after it (a replay that reads the prediction topic first).
        WindowStore.Window replay = store.onPrediction(prediction("replay", 0, false), T0 + S);
        assertThat(store.onFrame(frame("replay", T0 + 100_000, 1))).contains(replay);
        assertThat(store.onFrame(frame("replay", T0 + 450_000, 4))).contains(replay);
        assertThat(store.onFrame(frame("replay", T0 + 700_000, 7))).isEmpty(); // farther
        assertThat(replay.thumbnailDistanceUs).isEqualTo(50_000);
        assertThat(gray(store.thumbnail("replay", T0).orElseThrow()))
                .isCloseTo(4 * 25, jpegWithin());
        assertThat(store.thumbnail("replay", T0 + S)).isEmpty();
        assertThat(store.thumbnail("nope", T0)).isEmpty();
    }

    @Test
    void aFrameThatCannotBeDecodedIsCountedNotFatal() {
        WindowStore store = new WindowStore(WindowStore.Limits.defaults());
        store.onPrediction(prediction("s", 0, false), T0 + S);
        VideoFrame bad =
                VideoFrame.newBuilder(frame("s", T0 + 500_000, 1))
                        .setData(ByteBuffer.wrap(new byte[] {1, 2, 3}))
                        .build();
        assertThat(store.onFrame(bad)).isEmpty();
        assertThat(store.counts()[3]).isEqualTo(1);
    }

    @Test
    void searchComparesTheChosenVectorAndOnlyWithinTheQueryModel() {
        WindowStore store = new WindowStore(WindowStore.Limits.defaults());
        store.onPrediction(prediction("s", 0, false), T0);
        store.onEmbedding(
                embedding("s", 0, "v1", List.of(1f, 0f), List.of(0f, 1f), List.of(-1f, 0f)));
        store.onEmbedding(embedding("s", 1, "v1", List.of(0f, -1f), null, List.of(1f, 0f)));
        store.onEmbedding(embedding("s", 2, "v0", List.of(1f, 1f), null, null));
        float[] q = {0.70710677f, 0.70710677f};

        // window = normalised video + audio, without the text: (1,1)/sqrt2 for window 0.
        WindowStore.Ranking r = store.search(q, WindowStore.Against.WINDOW, "v1", 10);
        assertThat(r.hits()).extracting(h -> (h.window().startUs - T0) / S).containsExactly(0L, 1L);
        assertThat(r.hits().get(0).score()).isCloseTo(1.0, within());
        assertThat(r.hits().get(1).score()).isCloseTo(-0.7071, within());
        assertThat(r.skipped()).isEqualTo(1);
        assertThat(r.otherVersions()).containsExactly("v0");

        WindowStore.Ranking text = store.search(q, WindowStore.Against.TEXT, "v1", 1);
        assertThat(text.hits()).hasSize(1);
        assertThat((text.hits().get(0).window().startUs - T0) / S).isEqualTo(1);
        assertThat(text.hits().get(0).score()).isCloseTo(0.7071, within());
        assertThat(text.compared()).isEqualTo(2);

        // Audio only where present.
        assertThat(store.search(q, WindowStore.Against.AUDIO, "v1", 10).compared()).isEqualTo(1);
    }

    @Test
    void latencyPercentilesFollowTheLastSamples() {
        LatencyStats s = new LatencyStats(100);
        assertThat(s.percentile(0.5)).isNaN();
        for (int i = 1; i <= 100; i++) {
            s.add(i);
        }
        assertThat(s.percentile(0.50)).isEqualTo(50);
        assertThat(s.percentile(0.90)).isEqualTo(90);
        assertThat(s.percentile(0.99)).isEqualTo(99);
        for (int i = 1; i <= 100; i++) {
            s.add(1000 + i); // the first hundred are gone
        }
        assertThat(s.percentile(0.50)).isEqualTo(1050);
        assertThat(s.size()).isEqualTo(100);

        WindowStore store = new WindowStore(WindowStore.Limits.defaults());
        store.onPrediction(prediction("s", 0, false), T0 + S + 1_500_000); // read 1.5 s late
        var p = store.latency();
        assertThat(p.get(WindowStore.Latency.END_TO_VISIBLE).p50()).isEqualTo(1500.0);
        assertThat(p.get(WindowStore.Latency.END_TO_EMITTED).p50()).isEqualTo(1200.0);
        assertThat(p.get(WindowStore.Latency.MODEL_CALL).p99()).isEqualTo(30.0);
    }

    @Test
    void startPositionsParse() {
        assertThat(TopicFeed.Start.parse("earliest")).isInstanceOf(TopicFeed.Start.Earliest.class);
        assertThat(TopicFeed.Start.parse("latest")).isInstanceOf(TopicFeed.Start.Latest.class);
        assertThat(TopicFeed.Start.parse("10m"))
                .isEqualTo(new TopicFeed.Start.Lookback(Duration.ofMinutes(10)));
        assertThatThrownBy(() -> TopicFeed.Start.parse("yesterday"))
                .hasMessageContaining("earliest, latest or a duration");
    }

    private static org.assertj.core.data.Offset<Double> within() {
        return org.assertj.core.data.Offset.offset(0.001);
    }

    /** JPEG keeps a uniform grey level to within a few steps. */
    private static org.assertj.core.data.Offset<Double> jpegWithin() {
        return org.assertj.core.data.Offset.offset(3.0);
    }

    private static Prediction prediction(String stream, int w, boolean degraded) {
        long start = T0 + w * S;
        return Prediction.newBuilder()
                .setStreamId(stream)
                .setWindowStartUs(start)
                .setWindowEndUs(start + S)
                .setLabel("goal")
                .setLabelIndex(1)
                .setConfidence(0.8f)
                .setScores(List.of(0.2f, 0.8f))
                .setPresence(ModalityPresence.newBuilder().setVideo(true).setAudio(true).build())
                .setDegraded(degraded)
                .setModelVersion("v1")
                .setTimes(
                        StageTimes.newBuilder()
                                .setAlignedAtUs(start + S + 1_000_000)
                                .setInferenceStartUs(start + S + 1_100_000)
                                .setInferenceEndUs(start + S + 1_130_000)
                                .setEmittedAtUs(start + S + 1_200_000)
                                .setBatchSize(1)
                                .build())
                .build();
    }

    private static Embedding embedding(
            String stream,
            int w,
            String version,
            List<Float> video,
            List<Float> audio,
            List<Float> text) {
        long start = T0 + w * S;
        return Embedding.newBuilder()
                .setStreamId(stream)
                .setWindowStartUs(start)
                .setWindowEndUs(start + S)
                .setPresence(
                        ModalityPresence.newBuilder()
                                .setVideo(video != null)
                                .setAudio(audio != null)
                                .setText(text != null)
                                .build())
                .setModelVersion(version)
                .setFused(List.of(1f, 0f))
                .setVideo(video)
                .setAudio(audio)
                .setText(text)
                .setTimes(StageTimes.newBuilder().build())
                .build();
    }

    /** An 8x6 GRAY8 frame of uniform level {@code 25 * n}. */
    private static VideoFrame frame(String stream, long atUs, int n) {
        byte[] px = new byte[8 * 6];
        java.util.Arrays.fill(px, (byte) (25 * n));
        return VideoFrame.newBuilder()
                .setStreamId(stream)
                .setFrameIndex(n)
                .setEventTimeUs(atUs)
                .setWidth(8)
                .setHeight(6)
                .setEncoding(FrameEncoding.GRAY8)
                .setData(ByteBuffer.wrap(px))
                .build();
    }

    private static double gray(byte[] jpeg) throws Exception {
        var img = ImageIO.read(new ByteArrayInputStream(jpeg));
        return img.getRGB(4, 3) & 0xff;
    }
}
