package io.avfuse.jobs.encode;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.ingest.JpegEncoder;
import io.avfuse.connectors.ingest.JpegEncoder.Huffman;
import io.avfuse.schemas.FrameEncoding;
import io.avfuse.schemas.WindowFrame;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * JPEGs as {@code avfuse ingest} writes them (its libavcodec {@link JpegEncoder}) through the job's
 * decoder: the standard Huffman tables, ingest's default since issue 9, and the per-image "optimal"
 * ones must give the very same pixels, since only the lossless entropy coding differs.
 */
class IngestJpegDecodeTest {
    private static final int W = 96;
    private static final int H = 64;

    @Test
    void standardAndOptimalHuffmanTablesDecodeToIdenticalPixels() {
        ByteBuffer rgb = texturedImage();
        byte[] standard = encode(rgb, Huffman.DEFAULT);
        byte[] optimal = encode(rgb, Huffman.OPTIMAL);

        // Different streams (tables fitted to the image take fewer bits), not one option ignored.
        assertThat(standard).isNotEqualTo(optimal);
        assertThat(optimal.length).isLessThan(standard.length);

        FramePreprocessor.Pixels a = FramePreprocessor.decode(jpegFrame(standard));
        FramePreprocessor.Pixels b = FramePreprocessor.decode(jpegFrame(optimal));
        assertThat(a).isNotNull();
        assertThat(b).isNotNull();
        assertThat(a.width()).isEqualTo(W);
        assertThat(a.height()).isEqualTo(H);
        assertThat(b.rgb()).isEqualTo(a.rgb());
        // And the picture is the one encoded, within q5's loss on this noisy, 4:2:0-subsampled
        // image (7.4 here; a blank or shifted picture is off by tens).
        assertThat(meanAbsoluteError(rgb, a.rgb())).isLessThan(10.0);
    }

    private static byte[] encode(ByteBuffer rgb, Huffman huffman) {
        try (JpegEncoder encoder = new JpegEncoder(5, huffman)) {
            return encoder.encode(rgb, W, H, W * 3);
        }
    }

    /** Gradients, a few edges and seeded noise: enough detail to use many Huffman codes. */
    private static ByteBuffer texturedImage() {
        Random random = new Random(42);
        ByteBuffer rgb = ByteBuffer.allocateDirect(W * H * 3);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int edge = ((x / 12 + y / 10) % 2) * 60;
                rgb.put(clamp(x * 2 + edge + random.nextInt(21) - 10));
                rgb.put(clamp(y * 3 + random.nextInt(21) - 10));
                rgb.put(clamp(128 + (int) (80 * Math.sin(x / 7.0)) - edge / 2));
            }
        }
        return rgb.flip();
    }

    private static byte clamp(int v) {
        return (byte) Math.max(0, Math.min(255, v));
    }

    private static WindowFrame jpegFrame(byte[] jpeg) {
        return WindowFrame.newBuilder()
                .setEventTimeUs(0)
                .setFrameIndex(0)
                .setWidth(W)
                .setHeight(H)
                .setEncoding(FrameEncoding.JPEG)
                .setData(ByteBuffer.wrap(jpeg))
                .build();
    }

    private static double meanAbsoluteError(ByteBuffer rgb, int[] decoded) {
        long sum = 0;
        for (int i = 0; i < decoded.length; i++) {
            int p = decoded[i];
            sum += Math.abs((rgb.get(3 * i) & 0xFF) - ((p >> 16) & 0xFF));
            sum += Math.abs((rgb.get(3 * i + 1) & 0xFF) - ((p >> 8) & 0xFF));
            sum += Math.abs((rgb.get(3 * i + 2) & 0xFF) - (p & 0xFF));
        }
        return sum / (3.0 * decoded.length);
    }
}
