package io.avfuse.connectors.ingest;

import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ420P;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_clone;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_make_writable;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BILINEAR;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/**
 * Milliseconds per frame of the stages of ingest's JPEG path on one thread, over a file's frames
 * decoded once into memory, the variants alternating round by round: {@code convert} (the swscale
 * pass {@link JpegEncoder} makes, decoder format to full-range YUVJ420P), {@code copy} (the same
 * pass without the range change, to YUV420P: what a plain plane copy costs), and {@link
 * JpegEncoder#encode(AVFrame, int, int)} as ingest calls it (conversion + MJPEG) with each Huffman
 * table choice and with the encoder's {@code dct} set to {@code int} and {@code fastint} instead of
 * FFmpeg's automatic (SIMD) choice. Not a test; {@code docs/benchmarks.md} records runs.
 *
 * <p>{@code java ... io.avfuse.connectors.ingest.JpegStageBenchmark FILE [ROUNDS]}
 */
public final class JpegStageBenchmark {
    private JpegStageBenchmark() {}

    /** One way of handling a frame; {@link #close} frees what it holds. */
    private interface Stage extends AutoCloseable {
        long apply(AVFrame frame);

        @Override
        void close();
    }

    public static void main(String[] args) throws Exception {
        String file = args[0];
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        List<AVFrame> frames = decodeAll(file);
        AVFrame first = frames.get(0);
        int w = first.width();
        int h = first.height();
        Map<String, Stage> stages = new LinkedHashMap<>();
        stages.put("convert", swscale(first, AV_PIX_FMT_YUVJ420P));
        stages.put("copy", swscale(first, AV_PIX_FMT_YUV420P));
        stages.put("jpeg huffman=optimal", jpeg(JpegEncoder.Huffman.OPTIMAL, Map.of(), w, h));
        stages.put("jpeg huffman=default", jpeg(JpegEncoder.Huffman.DEFAULT, Map.of(), w, h));
        stages.put(
                "jpeg huffman=default dct=int",
                jpeg(JpegEncoder.Huffman.DEFAULT, Map.of("dct", "int"), w, h));
        stages.put(
                "jpeg huffman=default dct=fastint",
                jpeg(JpegEncoder.Huffman.DEFAULT, Map.of("dct", "fastint"), w, h));
        List<String> names = new ArrayList<>(stages.keySet());
        Map<String, List<Double>> millis = new LinkedHashMap<>();
        Map<String, Long> bytes = new LinkedHashMap<>();
        names.forEach(n -> millis.put(n, new ArrayList<>()));
        System.out.printf(
                Locale.ROOT,
                "%s: %d frames %dx%d, pixel format %d, colour range %d; load average %s%n",
                file,
                frames.size(),
                w,
                h,
                first.format(),
                first.color_range(),
                IngestBenchmark.loadAverage());
        for (int round = 0; round <= rounds; round++) {
            StringBuilder line = new StringBuilder(round == 0 ? "warm-up" : "round " + round);
            for (int k = 0; k < names.size(); k++) {
                String name = names.get((round + k) % names.size());
                Stage stage = stages.get(name);
                long size = 0;
                long start = System.nanoTime();
                for (AVFrame frame : frames) {
                    size += stage.apply(frame);
                }
                double ms = (System.nanoTime() - start) / 1e6 / frames.size();
                line.append(String.format(Locale.ROOT, ", [%s] %.3f", name, ms));
                if (round > 0) {
                    millis.get(name).add(ms);
                }
                bytes.put(name, size / frames.size());
            }
            System.out.println(line);
        }
        System.out.printf(
                Locale.ROOT,
                "%nmedian ms per frame, one thread (load average %s):%n",
                IngestBenchmark.loadAverage());
        for (String name : names) {
            System.out.printf(
                    Locale.ROOT,
                    "  %-34s %6.3f ms%s%n",
                    name,
                    IngestBenchmark.median(millis.get(name)),
                    name.startsWith("jpeg") ? "  " + bytes.get(name) + " B per frame" : "");
        }
        stages.values().forEach(Stage::close);
        frames.forEach(f -> av_frame_free(f));
    }

    private static List<AVFrame> decodeAll(String file) throws FrameGrabber.Exception {
        List<AVFrame> frames = new ArrayList<>();
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(file)) {
            grabber.setImageMode(FrameGrabber.ImageMode.RAW);
            grabber.start();
            Frame frame;
            while ((frame = grabber.grabImage()) != null) {
                frames.add(av_frame_clone((AVFrame) frame.opaque));
            }
            grabber.stop();
        }
        return frames;
    }

    private static Stage swscale(AVFrame like, int format) {
        int w = like.width();
        int h = like.height();
        SwsContext sws =
                sws_getContext(
                        w,
                        h,
                        like.format(),
                        w,
                        h,
                        format,
                        SWS_BILINEAR,
                        null,
                        null,
                        (DoublePointer) null);
        AVFrame out = av_frame_alloc();
        out.format(format);
        out.width(w);
        out.height(h);
        av_frame_get_buffer(out, 32);
        return new Stage() {
            @Override
            public long apply(AVFrame frame) {
                av_frame_make_writable(out);
                sws_scale(sws, frame.data(), frame.linesize(), 0, h, out.data(), out.linesize());
                return 0;
            }

            @Override
            public void close() {
                sws_freeContext(sws);
                av_frame_free(out);
            }
        };
    }

    private static Stage jpeg(
            JpegEncoder.Huffman huffman, Map<String, String> options, int w, int h) {
        JpegEncoder encoder = new JpegEncoder(5, huffman, options);
        return new Stage() {
            @Override
            public long apply(AVFrame frame) {
                return encoder.encode(frame, w, h).length;
            }

            @Override
            public void close() {
                encoder.close();
            }
        };
    }
}
