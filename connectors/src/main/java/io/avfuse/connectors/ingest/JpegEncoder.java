package io.avfuse.connectors.ingest;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_QSCALE;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_MJPEG;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_packet;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_frame;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_RANGE_JPEG;
import static org.bytedeco.ffmpeg.global.avutil.AV_OPT_SEARCH_CHILDREN;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ420P;
import static org.bytedeco.ffmpeg.global.avutil.FF_QP2LAMBDA;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_make_writable;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.bytedeco.ffmpeg.global.avutil.av_opt_set;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BILINEAR;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCachedContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;

import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Encodes images as JPEG with one reused libavcodec MJPEG context, colour converter and frame:
 * opening a codec per image costs more than encoding it (see the stack notes). Takes decoded FFmpeg
 * frames in any pixel format (converted and scaled in one swscale pass) or packed RGB24. The
 * context is rebuilt only when the output size changes. Not thread-safe.
 *
 * <p>{@code try (JpegEncoder jpeg = new JpegEncoder(4, Huffman.DEFAULT)) { byte[] b =
 * jpeg.encode(rgb, w, h, stride); }}
 */
public final class JpegEncoder implements AutoCloseable {
    /**
     * The entropy coder's tables. Huffman coding is lossless, so both give the same pixels; they
     * differ in speed and size only.
     */
    public enum Huffman {
        /** The JPEG standard's tables (Annex K): one pass, files about 9 % larger. */
        DEFAULT,
        /** Tables fitted to each image: a second pass over it for the smallest file. */
        OPTIMAL;

        /** The value of FFmpeg's MJPEG {@code huffman} option. */
        String option() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final int qscale;
    private final Huffman huffman;
    private final Map<String, String> codecOptions;
    private AVCodecContext context;
    private AVFrame yuv;
    private AVPacket packet;
    private SwsContext converter;
    private int width;
    private int height;
    private long pts;
    private final PointerPointer<BytePointer> source = new PointerPointer<>(1);
    private final IntPointer sourceStride = new IntPointer(1);

    /**
     * @param qscale FFmpeg's {@code -q:v} scale: 2 (best) to 31 (smallest)
     * @param huffman standard or per-image Huffman tables
     */
    public JpegEncoder(int qscale, Huffman huffman) {
        this(qscale, huffman, Map.of());
    }

    /** With further MJPEG encoder options ({@code dct=int}...), for benchmarks of them. */
    JpegEncoder(int qscale, Huffman huffman, Map<String, String> codecOptions) {
        if (qscale < 2 || qscale > 31) {
            throw new IllegalArgumentException("JPEG qscale must be 2..31, got " + qscale);
        }
        this.qscale = qscale;
        this.huffman = huffman;
        this.codecOptions = Map.copyOf(codecOptions);
    }

    /** The JPEG bytes of a packed RGB24 image whose rows are {@code stride} bytes apart. */
    public byte[] encode(ByteBuffer rgb, int imageWidth, int imageHeight, int stride) {
        prepare(imageWidth, imageHeight, AV_PIX_FMT_RGB24, imageWidth, imageHeight);
        BytePointer pixels = new BytePointer(rgb);
        try {
            source.put(0, pixels);
            sourceStride.put(0, stride);
            sws_scale(converter, source, sourceStride, 0, imageHeight, yuv.data(), yuv.linesize());
        } finally {
            pixels.close();
        }
        return encodeYuv();
    }

    /**
     * The JPEG bytes of a decoded frame in any pixel format, scaled to {@code outWidth} x {@code
     * outHeight} in the same conversion pass: no RGB intermediate.
     */
    public byte[] encode(AVFrame decoded, int outWidth, int outHeight) {
        prepare(decoded.width(), decoded.height(), decoded.format(), outWidth, outHeight);
        sws_scale(
                converter,
                decoded.data(),
                decoded.linesize(),
                0,
                decoded.height(),
                yuv.data(),
                yuv.linesize());
        return encodeYuv();
    }

    private void prepare(int inWidth, int inHeight, int inFormat, int outWidth, int outHeight) {
        if (context == null || outWidth != width || outHeight != height) {
            open(outWidth, outHeight);
        }
        converter =
                sws_getCachedContext(
                        converter,
                        inWidth,
                        inHeight,
                        inFormat,
                        outWidth,
                        outHeight,
                        AV_PIX_FMT_YUVJ420P,
                        SWS_BILINEAR,
                        null,
                        null,
                        (DoublePointer) null);
        if (converter == null) {
            throw new IllegalStateException("cannot convert pixel format " + inFormat + " to JPEG");
        }
        check(av_frame_make_writable(yuv), "av_frame_make_writable");
    }

    private byte[] encodeYuv() {
        yuv.pts(pts++);
        yuv.quality(FF_QP2LAMBDA * qscale);
        check(avcodec_send_frame(context, yuv), "avcodec_send_frame");
        check(avcodec_receive_packet(context, packet), "avcodec_receive_packet");
        try {
            byte[] jpeg = new byte[packet.size()];
            packet.data().get(jpeg);
            return jpeg;
        } finally {
            av_packet_unref(packet);
        }
    }

    private void open(int imageWidth, int imageHeight) {
        release();
        AVCodec codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
        if (codec == null) {
            throw new IllegalStateException("this FFmpeg build has no MJPEG encoder");
        }
        context = avcodec_alloc_context3(codec);
        context.width(imageWidth);
        context.height(imageHeight);
        context.pix_fmt(AV_PIX_FMT_YUVJ420P);
        context.color_range(AVCOL_RANGE_JPEG);
        context.time_base(av_make_q(1, 25));
        context.flags(context.flags() | AV_CODEC_FLAG_QSCALE);
        context.global_quality(FF_QP2LAMBDA * qscale);
        context.thread_count(1);
        check(av_opt_set(context.priv_data(), "huffman", huffman.option(), 0), "set huffman");
        for (Map.Entry<String, String> option : codecOptions.entrySet()) {
            check(
                    av_opt_set(context, option.getKey(), option.getValue(), AV_OPT_SEARCH_CHILDREN),
                    "set " + option.getKey());
        }
        check(
                avcodec_open2(context, codec, (org.bytedeco.ffmpeg.avutil.AVDictionary) null),
                "open MJPEG encoder");
        yuv = av_frame_alloc();
        yuv.format(AV_PIX_FMT_YUVJ420P);
        yuv.width(imageWidth);
        yuv.height(imageHeight);
        check(av_frame_get_buffer(yuv, 32), "av_frame_get_buffer");
        packet = av_packet_alloc();
        width = imageWidth;
        height = imageHeight;
    }

    private static void check(int result, String what) {
        if (result < 0) {
            throw new IllegalStateException(what + " failed: " + FFmpegErrors.describe(result));
        }
    }

    private void release() {
        if (context != null) {
            avcodec_free_context(context);
            context = null;
        }
        if (yuv != null) {
            av_frame_free(yuv);
            yuv = null;
        }
        if (packet != null) {
            av_packet_free(packet);
            packet = null;
        }
        if (converter != null) {
            sws_freeContext(converter);
            converter = null;
        }
    }

    @Override
    public void close() {
        release();
        source.close();
        sourceStride.close();
    }
}
