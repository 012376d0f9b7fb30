package io.avfuse.jobs.encode;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.schemas.FrameEncoding;
import io.avfuse.schemas.WindowAudio;
import io.avfuse.schemas.WindowFrame;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class PreprocessorsTest {

    private static WindowFrame frame(FrameEncoding enc, int w, int h, byte[] data) {
        return WindowFrame.newBuilder()
                .setEventTimeUs(0)
                .setFrameIndex(0)
                .setWidth(w)
                .setHeight(h)
                .setEncoding(enc)
                .setData(ByteBuffer.wrap(data))
                .build();
    }

    @Test
    void rawFramesBecomeChwFloatsAndBgrIsSwapped() {
        byte[] rgb = {
            (byte) 255, 0, 0, 0, (byte) 255, 0, 0, 0, (byte) 255, (byte) 255, (byte) 255, (byte) 255
        };
        FramePreprocessor p = new FramePreprocessor(2, 2, 2);
        FramePreprocessor.Result r = p.apply(List.of(frame(FrameEncoding.RGB24, 2, 2, rgb)));
        assertThat(r.mask()).containsExactly(1f, 0f);
        // slot 0, red plane: pixels (0,0)=255, (0,1)=0, (1,0)=0, (1,1)=255
        assertThat(java.util.Arrays.copyOfRange(r.pixels(), 0, 4)).containsExactly(1f, 0f, 0f, 1f);
        // slot 1 untouched (masked)
        assertThat(java.util.Arrays.copyOfRange(r.pixels(), 12, 24)).containsOnly(0f);

        FramePreprocessor.Result bgr = p.apply(List.of(frame(FrameEncoding.BGR24, 2, 2, rgb)));
        // the first pixel's bytes 255,0,0 mean blue in BGR
        assertThat(bgr.pixels()[0]).isZero();
        assertThat(bgr.pixels()[8]).isEqualTo(1f);
    }

    @Test
    void jpegDecodesAndCorruptOrMisdeclaredFramesStayMasked() throws Exception {
        BufferedImage img = new BufferedImage(16, 8, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 16; x++) {
                img.setRGB(x, y, 0x2080C0);
            }
        }
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(img, "jpg", jpeg);
        byte[] good = jpeg.toByteArray();
        byte[] corrupt = java.util.Arrays.copyOf(good, 20);
        FramePreprocessor p = new FramePreprocessor(4, 4, 8);
        FramePreprocessor.Result r =
                p.apply(
                        List.of(
                                frame(FrameEncoding.JPEG, 16, 8, good),
                                frame(FrameEncoding.JPEG, 16, 8, corrupt),
                                frame(FrameEncoding.JPEG, 32, 8, good), // declares the wrong size
                                frame(FrameEncoding.GRAY8, 2, 2, new byte[3]))); // wrong byte count
        assertThat(r.mask()).containsExactly(1f, 0f, 0f, 0f);
        assertThat(r.undecodable()).isEqualTo(3);
        assertThat(r.pixels()[0]).isCloseTo(0x20 / 255f, Offset.offset(0.03f));
        assertThat(r.pixels()[32]).isCloseTo(0x80 / 255f, Offset.offset(0.03f));
        assertThat(r.pixels()[64]).isCloseTo(0xC0 / 255f, Offset.offset(0.03f));
    }

    /**
     * A JPEG of a few hundred bytes whose header claims 16000 x 16000 pixels (and the record too)
     * used to make ImageIO allocate a 768 MB raster, after a 1 GB pixel array: the job's heap ran
     * out (HostileInputITCase). It is decoded subsampled now, and since its data ends early,
     * masked.
     */
    @Test
    void decompressionBombsAndTruncatedScansStayMaskedWithoutLargeAllocations() throws Exception {
        byte[] good = io.avfuse.connectors.testing.HostileRecords.smallJpeg(16, 16, 3);
        var fuzz = new io.avfuse.connectors.testing.HostileRecords(1);
        var bomb = fuzz.jpegBomb("s", 0, 0, 16000);
        byte[] bombBytes = new byte[bomb.getData().remaining()];
        bomb.getData().duplicate().get(bombBytes);
        int sos = 0;
        while (!(good[sos] == (byte) 0xFF && good[sos + 1] == (byte) 0xDA)) {
            sos++;
        }
        byte[] truncatedScan = java.util.Arrays.copyOf(good, sos + 20);
        FramePreprocessor p = new FramePreprocessor(4, 4, 8);
        long before = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        FramePreprocessor.Result r =
                p.apply(
                        List.of(
                                frame(FrameEncoding.JPEG, 16000, 16000, bombBytes),
                                frame(FrameEncoding.JPEG, 16, 16, truncatedScan),
                                frame(FrameEncoding.RGB24, 16000, 16000, new byte[12]),
                                frame(FrameEncoding.JPEG, 16, 16, good)));
        assertThat(r.mask()).containsExactly(1f, 0f, 0f, 0f);
        assertThat(r.undecodable()).isEqualTo(3);
        long after = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        assertThat(after - before).isLessThan(256L << 20);
    }

    /** The fuzzer's corrupt JPEGs (random, cut anywhere, scan cut short) never become pictures. */
    @Test
    void corruptJpegsFromTheFuzzerAreAllMasked() {
        var fuzz = new io.avfuse.connectors.testing.HostileRecords(9);
        FramePreprocessor p = new FramePreprocessor(1, 4, 4);
        for (int i = 0; i < 300; i++) {
            var f = fuzz.corruptJpeg("s", i, 0);
            byte[] data = new byte[f.getData().remaining()];
            f.getData().duplicate().get(data);
            FramePreprocessor.Result r = p.apply(List.of(frame(FrameEncoding.JPEG, 16, 16, data)));
            assertThat(r.undecodable()).as("frame %d", i).isEqualTo(1);
        }
    }

    /** An image above the decode cap is decoded subsampled, not refused. */
    @Test
    void imagesAboveTheDecodeCapAreDecodedSubsampled() throws Exception {
        int w = 4200;
        int h = 4100; // 17.2 M pixels, above 4096 x 4096
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = img.createGraphics();
        g.setColor(new java.awt.Color(0x2080C0));
        g.fillRect(0, 0, w, h);
        g.dispose();
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(img, "jpg", jpeg);
        img = null;
        FramePreprocessor.Pixels px =
                FramePreprocessor.decode(frame(FrameEncoding.JPEG, w, h, jpeg.toByteArray()));
        assertThat(px).isNotNull();
        assertThat((long) px.width() * px.height())
                .isLessThanOrEqualTo(FramePreprocessor.MAX_DECODE_PIXELS);
        assertThat(px.width()).isEqualTo(2100);
        FramePreprocessor.Result r =
                new FramePreprocessor(1, 4, 8)
                        .apply(List.of(frame(FrameEncoding.JPEG, w, h, jpeg.toByteArray())));
        assertThat(r.mask()).containsExactly(1f);
        assertThat(r.pixels()[0]).isCloseTo(0x20 / 255f, Offset.offset(0.03f));
    }

    @Test
    void audioIsMixedToMonoResampledAndCleaned() {
        // 48 kHz stereo, 100 ms: left 0.5, right -0.1, one NaN.
        int frames = 4800;
        ByteBuffer b = ByteBuffer.allocate(frames * 2 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < frames; i++) {
            b.putFloat(i == 10 ? Float.NaN : 0.5f).putFloat(-0.1f);
        }
        b.flip();
        WindowAudio audio =
                WindowAudio.newBuilder()
                        .setSampleRate(48_000)
                        .setChannels(2)
                        .setSamples(b)
                        .setCoverage(1f)
                        .setGaps(0)
                        .build();
        AudioPreprocessor.Result r = new AudioPreprocessor(16_000, 100_000).apply(audio);
        assertThat(r.samples()).hasSize(1600);
        assertThat(r.nonFinite()).isEqualTo(1);
        assertThat(r.samples()[100]).isCloseTo(0.2f, Offset.offset(1e-6f));
    }

    @Test
    void metadataKeepsManifestOrderAndFlagsWhatIsMissing() {
        MetadataPreprocessor p = new MetadataPreprocessor(List.of("speed", "count", "temp"), 100f);
        float[] v = p.apply(Map.of("count", 3.0, "speed", 1e9, "temp", Double.NaN, "other", 7.0));
        assertThat(v).containsExactly(100f, 3f, 0f, 0f, 0f, 1f);
        assertThat(p.apply(null)).containsExactly(0f, 0f, 0f, 1f, 1f, 1f);
    }

    private static WindowAudio audio(int rate, int channels, float... samples) {
        ByteBuffer b = ByteBuffer.allocate(samples.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : samples) {
            b.putFloat(v);
        }
        b.flip();
        return WindowAudio.newBuilder()
                .setSampleRate(rate)
                .setChannels(channels)
                .setSamples(b)
                .setCoverage(1f)
                .setGaps(0)
                .build();
    }

    /** A direct native-order buffer of {@code n} floats, every one -7 (an earlier input). */
    private static FloatBuffer dirty(int n) {
        FloatBuffer f =
                ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer();
        while (f.hasRemaining()) {
            f.put(-7f);
        }
        return f.clear();
    }

    private static float[] range(FloatBuffer f, int from, int n) {
        float[] out = new float[n];
        f.get(from, out);
        return out;
    }

    @Test
    void monoAudioAtTheModelsRateIsCopiedWithNonFiniteSamplesZeroed() {
        AudioPreprocessor p = new AudioPreprocessor(16_000, 250); // 4 samples
        AudioPreprocessor.Result r =
                p.apply(audio(16_000, 1, 0.25f, Float.NaN, Float.NEGATIVE_INFINITY, -0.5f));
        assertThat(r.samples()).containsExactly(0.25f, 0f, 0f, -0.5f);
        assertThat(r.nonFinite()).isEqualTo(2);
    }

    /**
     * The model's kept input buffers are filled by writeInto at an offset, over an earlier input:
     * every value must equal the array API's, bit for bit, and nothing outside the window's range
     * may change.
     */
    @Test
    void writingIntoAKeptBufferGivesTheArraysValuesAndOverwritesEverything() throws Exception {
        BufferedImage img = new BufferedImage(16, 8, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 16; x++) {
                img.setRGB(x, y, (x * 16) << 16 | (y * 30) << 8 | (x + y));
            }
        }
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(img, "jpg", jpeg);
        byte[] good = jpeg.toByteArray();
        List<WindowFrame> frames =
                List.of(
                        frame(FrameEncoding.JPEG, 16, 8, good),
                        frame(FrameEncoding.JPEG, 16, 8, java.util.Arrays.copyOf(good, 20)),
                        frame(FrameEncoding.GRAY8, 2, 2, new byte[] {9, 80, (byte) 200, 3}));
        FramePreprocessor fp = new FramePreprocessor(4, 4, 8);
        FramePreprocessor.Result expected = fp.apply(frames);
        int n = 4 * 3 * 4 * 8;
        FloatBuffer pixels = dirty(5 + n + 3).position(5);
        FloatBuffer mask = dirty(2 + 4 + 1).position(2);
        assertThat(fp.writeInto(frames, pixels, mask)).isEqualTo(expected.undecodable());
        assertThat(pixels.position()).isEqualTo(5 + n);
        assertThat(mask.position()).isEqualTo(6);
        assertThat(range(pixels, 5, n)).containsExactly(expected.pixels());
        assertThat(range(mask, 2, 4)).containsExactly(expected.mask()).containsExactly(1, 1, 0, 0);
        assertThat(range(pixels, 0, 5)).containsOnly(-7f);
        assertThat(range(pixels, 5 + n, 3)).containsOnly(-7f);
        assertThat(range(mask, 6, 1)).containsOnly(-7f);

        AudioPreprocessor ap = new AudioPreprocessor(16_000, 250);
        for (WindowAudio a :
                List.of(
                        audio(16_000, 1, 0.25f, Float.NaN, 0.75f, -0.5f), // the usual: one copy
                        audio(48_000, 2, 0.5f, -0.1f, Float.NaN, 0.3f, 1f, 1f, 0f, 2f),
                        audio(16_000, 1, 0.1f, 0.2f))) { // short: padded by resampling
            AudioPreprocessor.Result want = ap.apply(a);
            FloatBuffer out = dirty(3 + 4 + 2).position(3);
            assertThat(ap.writeInto(a, out)).isEqualTo(want.nonFinite());
            assertThat(out.position()).isEqualTo(7);
            assertThat(range(out, 3, 4)).containsExactly(want.samples());
            assertThat(range(out, 0, 3)).containsOnly(-7f);
            assertThat(range(out, 7, 2)).containsOnly(-7f);
        }
        FloatBuffer silent = dirty(4).position(0);
        ap.writeSilence(silent);
        assertThat(silent.position()).isEqualTo(4);
        assertThat(range(silent, 0, 4)).containsOnly(0f);

        MetadataPreprocessor mp = new MetadataPreprocessor(List.of("speed", "count"), 10f);
        for (Map<String, Double> features :
                java.util.Arrays.asList(Map.of("speed", 2.5, "count", 1e6), null)) {
            FloatBuffer out = dirty(1 + 4 + 1).position(1);
            mp.writeInto(features, out);
            assertThat(out.position()).isEqualTo(5);
            assertThat(range(out, 1, 4)).containsExactly(mp.apply(features));
            assertThat(range(out, 0, 1)).containsOnly(-7f);
            assertThat(range(out, 5, 1)).containsOnly(-7f);
        }
    }
}
