package io.avfuse.jobs.encode;

import io.avfuse.schemas.WindowFrame;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * A window's sampled frames to the video encoder's input: {@code K} frames of {@code 3 x H x W}
 * floats in [0, 1] (CHW, RGB) plus a mask of which of the K slots hold a real frame. Frames are
 * resized by nearest neighbour; a frame that cannot be decoded leaves its slot masked and is
 * reported, never passed on as zeros posing as a picture.
 *
 * <p>{@code FramePreprocessor.Result r = new FramePreprocessor(8, 64,
 * 64).apply(window.getFrames());}
 */
public final class FramePreprocessor {
    /**
     * Input for one window. {@code pixels} is {@code [K * 3 * H * W]}, {@code mask} {@code [K]}.
     */
    public record Result(float[] pixels, float[] mask, int undecodable) {}

    private final int k;
    private final int height;
    private final int width;
    private final float[] emptySlot;

    public FramePreprocessor(int k, int height, int width) {
        this.k = k;
        this.height = height;
        this.width = width;
        this.emptySlot = new float[3 * height * width];
    }

    /** The window's input as new arrays; {@link #writeInto} writes the same values in place. */
    public Result apply(List<WindowFrame> frames) {
        float[] pixels = new float[k * 3 * height * width];
        float[] mask = new float[k];
        int undecodable = writeInto(frames, FloatBuffer.wrap(pixels), FloatBuffer.wrap(mask));
        return new Result(pixels, mask, undecodable);
    }

    /**
     * Writes the window's {@code K * 3 * H * W} pixels at {@code pixels}' position and its {@code
     * K} mask values at {@code mask}'s, advancing both, and returns how many frames did not decode.
     * Every value is written, empty slots as zeros, so the targets may hold an earlier window's
     * input: the model's kept input buffers are filled this way without a float array per window
     * and a second copy (docs/benchmarks.md, P3, fourth round).
     */
    public int writeInto(List<WindowFrame> frames, FloatBuffer pixels, FloatBuffer mask) {
        int undecodable = 0;
        int slot = 0;
        for (WindowFrame f : frames) {
            if (slot == k) {
                break;
            }
            Pixels decoded = decode(f);
            if (decoded == null) {
                undecodable++;
                continue;
            }
            resizeInto(decoded.rgb(), decoded.width(), decoded.height(), pixels);
            mask.put(1f);
            slot++;
        }
        for (; slot < k; slot++) {
            pixels.put(emptySlot);
            mask.put(0f);
        }
        return undecodable;
    }

    /**
     * Largest raster an image is decoded into: 4096 x 4096 (4K UHD fits). A JPEG or PNG whose
     * declared size is larger is decoded subsampled, so that a few hundred bytes claiming 16000 x
     * 16000 pixels cannot make the decoder allocate gigabytes.
     */
    static final long MAX_DECODE_PIXELS = 1L << 24;

    /** Decoded packed 0xRRGGBB pixels and their size (smaller than declared when subsampled). */
    record Pixels(int[] rgb, int width, int height) {}

    /** The frame's pixels, or null when the bytes do not decode to the declared size. */
    static Pixels decode(WindowFrame f) {
        int w = f.getWidth();
        int h = f.getHeight();
        ByteBuffer data = f.getData().duplicate();
        if (w <= 0 || h <= 0) {
            return null;
        }
        switch (f.getEncoding()) {
            case RGB24, BGR24 -> {
                // Checked before allocating: the declared size is the sender's claim.
                if (data.remaining() != 3L * w * h) {
                    return null;
                }
                int[] rgb = new int[w * h];
                boolean bgr = f.getEncoding() == io.avfuse.schemas.FrameEncoding.BGR24;
                for (int i = 0; i < rgb.length; i++) {
                    int a = data.get() & 0xFF;
                    int b = data.get() & 0xFF;
                    int c = data.get() & 0xFF;
                    rgb[i] = bgr ? (c << 16) | (b << 8) | a : (a << 16) | (b << 8) | c;
                }
                return new Pixels(rgb, w, h);
            }
            case GRAY8 -> {
                if (data.remaining() != (long) w * h) {
                    return null;
                }
                int[] rgb = new int[w * h];
                for (int i = 0; i < rgb.length; i++) {
                    int g = data.get() & 0xFF;
                    rgb[i] = (g << 16) | (g << 8) | g;
                }
                return new Pixels(rgb, w, h);
            }
            case JPEG, PNG -> {
                return imageOf(data, w, h);
            }
            default -> {
                return null;
            }
        }
    }

    /**
     * Decodes an image whose header must declare {@code w x h}; null when it does not, when the
     * decoder fails, or when it warns (a truncated or corrupt JPEG otherwise comes back with its
     * missing part grey: a picture that was never sent).
     */
    private static Pixels imageOf(ByteBuffer data, int w, int h) {
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        ImageReader reader = null;
        try (ImageInputStream in =
                ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (in == null || !readers.hasNext()) {
                return null;
            }
            reader = readers.next();
            reader.setInput(in, true, true);
            // The header alone: nothing is allocated for pixels yet.
            if (reader.getWidth(0) != w || reader.getHeight(0) != h) {
                return null;
            }
            int step = 1;
            while ((long) ceilDiv(w, step) * ceilDiv(h, step) > MAX_DECODE_PIXELS) {
                step++;
            }
            ImageReadParam param = reader.getDefaultReadParam();
            param.setSourceSubsampling(step, step, 0, 0);
            boolean[] warned = {false};
            reader.addIIOReadWarningListener((source, warning) -> warned[0] = true);
            BufferedImage image = reader.read(0, param);
            if (warned[0] || image == null) {
                return null;
            }
            int iw = image.getWidth();
            int ih = image.getHeight();
            int[] rgb = new int[iw * ih];
            image.getRGB(0, 0, iw, ih, rgb, 0, iw);
            return new Pixels(rgb, iw, ih);
        } catch (IOException | RuntimeException e) {
            return null; // corrupt image: the slot stays masked
        } finally {
            if (reader != null) {
                reader.dispose();
            }
        }
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** One frame's {@code 3 x H x W} floats at {@code out}'s position, which it advances. */
    private void resizeInto(int[] rgb, int w, int h, FloatBuffer out) {
        int plane = height * width;
        int base = out.position();
        for (int y = 0; y < height; y++) {
            int sy = Math.min(h - 1, (int) ((y + 0.5) * h / height));
            for (int x = 0; x < width; x++) {
                int sx = Math.min(w - 1, (int) ((x + 0.5) * w / width));
                int p = rgb[sy * w + sx];
                int i = base + y * width + x;
                out.put(i, ((p >> 16) & 0xFF) / 255f);
                out.put(i + plane, ((p >> 8) & 0xFF) / 255f);
                out.put(i + 2 * plane, (p & 0xFF) / 255f);
            }
        }
        out.position(base + 3 * plane);
    }
}
