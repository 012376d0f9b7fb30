package io.avfuse.jobs.dashboard;

import io.avfuse.schemas.VideoFrame;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * A frame as a small JPEG for the dashboard: JPEG frames no wider than {@code maxWidth} are kept as
 * they are; larger ones, PNG and raw RGB24/BGR24/GRAY8 frames are decoded and scaled down.
 *
 * <p>{@code byte[] jpeg = Thumbnails.jpeg(frame, 160);}
 */
final class Thumbnails {
    private Thumbnails() {}

    /**
     * The thumbnail of {@code frame}, at most {@code maxWidth} pixels wide.
     *
     * @throws IOException when the frame cannot be decoded
     */
    static byte[] jpeg(VideoFrame frame, int maxWidth) throws IOException {
        byte[] data = bytes(frame.getData());
        BufferedImage image =
                switch (frame.getEncoding()) {
                    case JPEG -> {
                        if (frame.getWidth() <= maxWidth && frame.getWidth() > 0) {
                            yield null; // already small: serve the bytes as they are
                        }
                        yield ImageIO.read(new ByteArrayInputStream(data));
                    }
                    case PNG -> ImageIO.read(new ByteArrayInputStream(data));
                    case RGB24, BGR24, GRAY8 -> raw(frame, data);
                    default ->
                            throw new IOException(
                                    "no thumbnail for frame encoding " + frame.getEncoding());
                };
        if (image == null) {
            if (frame.getEncoding() == io.avfuse.schemas.FrameEncoding.JPEG) {
                return data;
            }
            throw new IOException("cannot decode the " + frame.getEncoding() + " frame");
        }
        return encode(scaled(image, maxWidth));
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    private static BufferedImage raw(VideoFrame f, byte[] data) throws IOException {
        int w = f.getWidth();
        int h = f.getHeight();
        int channels = f.getEncoding() == io.avfuse.schemas.FrameEncoding.GRAY8 ? 1 : 3;
        if (w <= 0 || h <= 0 || (long) w * h * channels != data.length) {
            throw new IOException(
                    "a "
                            + w
                            + "x"
                            + h
                            + " "
                            + f.getEncoding()
                            + " frame needs "
                            + (long) w * h * channels
                            + " bytes, got "
                            + data.length);
        }
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        boolean bgr = f.getEncoding() == io.avfuse.schemas.FrameEncoding.BGR24;
        for (int y = 0, i = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb;
                if (channels == 1) {
                    int g = data[i++] & 0xff;
                    rgb = (g << 16) | (g << 8) | g;
                } else {
                    int a = data[i++] & 0xff;
                    int b = data[i++] & 0xff;
                    int c = data[i++] & 0xff;
                    rgb = bgr ? (c << 16) | (b << 8) | a : (a << 16) | (b << 8) | c;
                }
                img.setRGB(x, y, rgb);
            }
        }
        return img;
    }

    private static BufferedImage scaled(BufferedImage src, int maxWidth) {
        int w = Math.min(maxWidth, src.getWidth());
        int h = Math.max(1, Math.round(src.getHeight() * (w / (float) src.getWidth())));
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        var g = out.createGraphics();
        try {
            g.setRenderingHint(
                    RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(src, 0, 0, w, h, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    private static byte[] encode(BufferedImage img) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(0.8f);
            writer.write(null, new IIOImage(img, null, null), p);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
