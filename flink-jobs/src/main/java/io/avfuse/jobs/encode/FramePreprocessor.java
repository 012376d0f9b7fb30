package io.avfuse.jobs.encode;

import io.avfuse.schemas.WindowFrame;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import javax.imageio.ImageIO;

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

    public FramePreprocessor(int k, int height, int width) {
        this.k = k;
        this.height = height;
        this.width = width;
    }

    public Result apply(List<WindowFrame> frames) {
        float[] pixels = new float[k * 3 * height * width];
        float[] mask = new float[k];
        int undecodable = 0;
        int slot = 0;
        for (WindowFrame f : frames) {
            if (slot == k) {
                break;
            }
            int[] rgb = decode(f);
            if (rgb == null) {
                undecodable++;
                continue;
            }
            resizeInto(rgb, f.getWidth(), f.getHeight(), pixels, slot);
            mask[slot++] = 1f;
        }
        return new Result(pixels, mask, undecodable);
    }

    /** Packed 0xRRGGBB pixels, or null when the bytes do not decode to the declared size. */
    static int[] decode(WindowFrame f) {
        int w = f.getWidth();
        int h = f.getHeight();
        ByteBuffer data = f.getData().duplicate();
        int[] rgb = new int[w * h];
        switch (f.getEncoding()) {
            case RGB24, BGR24 -> {
                if (data.remaining() != 3 * w * h) {
                    return null;
                }
                boolean bgr = f.getEncoding() == io.avfuse.schemas.FrameEncoding.BGR24;
                for (int i = 0; i < rgb.length; i++) {
                    int a = data.get() & 0xFF;
                    int b = data.get() & 0xFF;
                    int c = data.get() & 0xFF;
                    rgb[i] = bgr ? (c << 16) | (b << 8) | a : (a << 16) | (b << 8) | c;
                }
            }
            case GRAY8 -> {
                if (data.remaining() != w * h) {
                    return null;
                }
                for (int i = 0; i < rgb.length; i++) {
                    int g = data.get() & 0xFF;
                    rgb[i] = (g << 16) | (g << 8) | g;
                }
            }
            case JPEG, PNG -> {
                BufferedImage image = imageOf(data);
                if (image == null || image.getWidth() != w || image.getHeight() != h) {
                    return null;
                }
                image.getRGB(0, 0, w, h, rgb, 0, w);
            }
            default -> {
                return null;
            }
        }
        return rgb;
    }

    private static BufferedImage imageOf(ByteBuffer data) {
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        try {
            return ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            return null; // corrupt image: the slot stays masked
        }
    }

    private void resizeInto(int[] rgb, int w, int h, float[] out, int slot) {
        int plane = height * width;
        int base = slot * 3 * plane;
        for (int y = 0; y < height; y++) {
            int sy = Math.min(h - 1, (int) ((y + 0.5) * h / height));
            for (int x = 0; x < width; x++) {
                int sx = Math.min(w - 1, (int) ((x + 0.5) * w / width));
                int p = rgb[sy * w + sx];
                int i = y * width + x;
                out[base + i] = ((p >> 16) & 0xFF) / 255f;
                out[base + plane + i] = ((p >> 8) & 0xFF) / 255f;
                out[base + 2 * plane + i] = (p & 0xFF) / 255f;
            }
        }
    }
}
