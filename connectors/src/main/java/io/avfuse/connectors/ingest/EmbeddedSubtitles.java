package io.avfuse.connectors.ingest;

import static org.bytedeco.ffmpeg.global.avcodec.AVDISCARD_ALL;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_decode_subtitle2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_to_context;
import static org.bytedeco.ffmpeg.global.avcodec.avsubtitle_free;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_SUBTITLE;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.bytedeco.ffmpeg.global.avutil.av_rescale_q;

import io.avfuse.schemas.TextKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avcodec.AVSubtitle;
import org.bytedeco.ffmpeg.avcodec.AVSubtitleRect;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Reads the text subtitle streams a container carries (SubRip, WebVTT, ASS, {@code mov_text}) with
 * libavformat and libavcodec, which JavaCV's grabber skips. Bitmap subtitles (DVD, PGS) have no
 * text and are ignored. Timestamps are on the same media clock as {@link MediaSource}.
 *
 * <p>{@code List<TimedText> captions = EmbeddedSubtitles.read("movie.mkv");}
 */
public final class EmbeddedSubtitles {
    private static final Pattern ASS_OVERRIDE = Pattern.compile("\\{[^}]*\\}");
    private static final AVRational MICROS = av_make_q(1, 1_000_000);

    private EmbeddedSubtitles() {}

    /** The captions of every text subtitle stream of a local file; empty when there are none. */
    public static List<TimedText> read(String location) {
        AVFormatContext format = new AVFormatContext(null);
        if (avformat_open_input(format, location, null, null) < 0) {
            return List.of();
        }
        Map<Integer, AVCodecContext> decoders = new HashMap<>();
        try {
            if (avformat_find_stream_info(format, (PointerPointer<?>) null) < 0) {
                return List.of();
            }
            for (int i = 0; i < format.nb_streams(); i++) {
                AVStream stream = format.streams(i);
                if (stream.codecpar().codec_type() == AVMEDIA_TYPE_SUBTITLE) {
                    AVCodecContext decoder = openDecoder(stream);
                    if (decoder != null) {
                        decoders.put(i, decoder);
                        continue;
                    }
                }
                stream.discard(AVDISCARD_ALL);
            }
            if (decoders.isEmpty()) {
                return List.of();
            }
            long startUs = format.start_time() == AV_NOPTS_VALUE ? 0 : format.start_time();
            return decodeAll(format, decoders, startUs);
        } finally {
            decoders.values().forEach(c -> avcodec_free_context(c));
            avformat_close_input(format);
        }
    }

    private static AVCodecContext openDecoder(AVStream stream) {
        AVCodec codec = avcodec_find_decoder(stream.codecpar().codec_id());
        if (codec == null) {
            return null;
        }
        AVCodecContext context = avcodec_alloc_context3(codec);
        if (avcodec_parameters_to_context(context, stream.codecpar()) < 0
                || avcodec_open2(context, codec, (AVDictionary) null) < 0) {
            avcodec_free_context(context);
            return null;
        }
        context.pkt_timebase(stream.time_base());
        return context;
    }

    private static List<TimedText> decodeAll(
            AVFormatContext format, Map<Integer, AVCodecContext> decoders, long startUs) {
        List<TimedText> captions = new ArrayList<>();
        AVPacket packet = av_packet_alloc();
        AVSubtitle subtitle = new AVSubtitle();
        IntPointer got = new IntPointer(1);
        try {
            while (av_read_frame(format, packet) >= 0) {
                AVCodecContext decoder = decoders.get(packet.stream_index());
                if (decoder != null
                        && avcodec_decode_subtitle2(decoder, subtitle, got, packet) >= 0
                        && got.get() != 0) {
                    AVRational timeBase = format.streams(packet.stream_index()).time_base();
                    long pts = packet.pts() != AV_NOPTS_VALUE ? packet.pts() : packet.dts();
                    long at =
                            av_rescale_q(pts, timeBase, MICROS)
                                    - startUs
                                    + subtitle.start_display_time() * 1000L;
                    long duration =
                            packet.duration() > 0
                                    ? av_rescale_q(packet.duration(), timeBase, MICROS)
                                    : Math.max(
                                                    0,
                                                    subtitle.end_display_time()
                                                            - subtitle.start_display_time())
                                            * 1000L;
                    String text = text(subtitle);
                    if (!text.isEmpty()) {
                        captions.add(
                                new TimedText(
                                        Math.max(0, at), duration, TextKind.CAPTION, text, null));
                    }
                    avsubtitle_free(subtitle);
                }
                av_packet_unref(packet);
            }
        } finally {
            av_packet_free(packet);
            got.close();
        }
        return captions;
    }

    private static String text(AVSubtitle subtitle) {
        StringBuilder text = new StringBuilder();
        for (int r = 0; r < subtitle.num_rects(); r++) {
            AVSubtitleRect rect = subtitle.rects(r);
            String line = null;
            if (rect.ass() != null) {
                line = assText(rect.ass().getString());
            } else if (rect.text() != null) {
                line = rect.text().getString();
            }
            if (line != null && !line.isBlank()) {
                if (text.length() > 0) {
                    text.append('\n');
                }
                text.append(line.strip());
            }
        }
        return text.toString();
    }

    /**
     * The text of an ASS event: FFmpeg's {@code ReadOrder,Layer,Style,Name,MarginL,MarginR,MarginV,
     * Effect,Text} (or a full {@code Dialogue:} line, which has ten fields), override tags removed.
     */
    static String assText(String event) {
        String body = event;
        int fields = 9;
        if (body.startsWith("Dialogue:")) {
            body = body.substring("Dialogue:".length()).strip();
            fields = 10;
        }
        String[] parts = body.split(",", fields);
        String text = parts.length == fields ? parts[fields - 1] : body;
        return ASS_OVERRIDE.matcher(text).replaceAll("").replace("\\N", "\n").replace("\\n", "\n");
    }
}
