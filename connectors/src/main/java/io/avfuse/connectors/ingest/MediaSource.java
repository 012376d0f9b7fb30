package io.avfuse.connectors.ingest;

import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLT;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/**
 * One media input opened with JavaCV's FFmpeg grabber: a file, a URL FFmpeg understands ({@code
 * rtsp://}, {@code http://}, {@code file:}), a capture device ({@code --format v4l2 /dev/video0})
 * or a lavfi graph ({@code lavfi:testsrc2=size=320x240}). Video comes out as packed RGB24, scaled
 * when asked, or as the decoder's own frames ({@code rawVideo}, for JPEG); audio as interleaved
 * float samples, resampled to the requested rate and channels. Failures become one-line {@link
 * IngestException}s that name the input.
 *
 * <p>{@code try (MediaSource m = MediaSource.open(spec)) { Frame f = m.grab(); }}
 */
public final class MediaSource implements AutoCloseable {
    /** How to open and convert one input. */
    public record Spec(
            String input,
            String format,
            Map<String, String> options,
            boolean video,
            boolean audio,
            boolean rawVideo,
            int width,
            int height,
            int sampleRate,
            int channels,
            int decodeThreads) {}

    private final Spec spec;
    private final String location;
    private final FFmpegFrameGrabber grabber;
    private final boolean video;
    private final boolean audio;
    private long startUs;
    private int outputWidth;
    private int outputHeight;

    private MediaSource(Spec spec, String location, FFmpegFrameGrabber grabber) {
        this.spec = spec;
        this.location = location;
        this.grabber = grabber;
        this.video = spec.video() && grabber.hasVideo();
        this.audio = spec.audio() && grabber.hasAudio();
    }

    /** Opens the input and checks that it has what {@code spec} asks for. */
    public static MediaSource open(Spec spec) {
        String format = spec.format();
        String location = spec.input();
        if (format == null && location.startsWith("lavfi:")) {
            format = "lavfi";
            location = location.substring("lavfi:".length());
        }
        if (format == null) {
            checkLocalFile(location);
        }
        FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(location);
        if (format != null) {
            grabber.setFormat(format);
        }
        spec.options().forEach(grabber::setOption);
        if (spec.rawVideo()) {
            // Decoded frames as they are (Frame.opaque is the AVFrame): the JPEG encoder converts
            // and scales them in one pass.
            grabber.setImageMode(FrameGrabber.ImageMode.RAW);
        } else {
            grabber.setPixelFormat(AV_PIX_FMT_RGB24);
        }
        grabber.setVideoOption("threads", threadsOption(spec.decodeThreads()));
        grabber.setSampleFormat(AV_SAMPLE_FMT_FLT);
        grabber.setSampleRate(spec.sampleRate());
        grabber.setAudioChannels(spec.channels());
        try {
            grabber.start();
        } catch (FrameGrabber.Exception | RuntimeException e) {
            closeQuietly(grabber);
            throw new IngestException(
                    IngestException.INPUT,
                    "cannot read '"
                            + spec.input()
                            + "' as media: "
                            + FFmpegErrors.reasonOf(e)
                            + " (truncated, unsupported or not an audio/video file?)",
                    e);
        }
        MediaSource source = new MediaSource(spec, location, grabber);
        try {
            source.validate();
        } catch (IngestException e) {
            source.close();
            throw e;
        }
        return source;
    }

    private void validate() {
        if (!grabber.hasVideo() && !grabber.hasAudio()) {
            throw new IngestException(
                    IngestException.INPUT,
                    "'" + spec.input() + "' has neither a video nor an audio stream");
        }
        if (spec.video() && !grabber.hasVideo()) {
            throw new IngestException(
                    IngestException.INPUT,
                    "'"
                            + spec.input()
                            + "' has no video stream; pass --no-video to ingest its audio only");
        }
        if (!video && !audio) {
            throw new IngestException(
                    IngestException.INPUT, "'" + spec.input() + "': nothing to ingest");
        }
        if (video) {
            int[] size = outputSize(grabber.getImageWidth(), grabber.getImageHeight());
            outputWidth = size[0];
            outputHeight = size[1];
            if (!spec.rawVideo()) {
                grabber.setImageWidth(size[0]);
                grabber.setImageHeight(size[1]);
            }
        }
        long start = grabber.getFormatContext().start_time();
        startUs = start == AV_NOPTS_VALUE ? 0 : start;
    }

    /**
     * FFmpeg's {@code threads} value for the video decoder: 0 leaves the count to FFmpeg ({@code
     * auto}, about one per CPU).
     */
    static String threadsOption(int decodeThreads) {
        return decodeThreads == 0 ? "auto" : Integer.toString(decodeThreads);
    }

    /** The output size: as asked, with a missing side following the aspect ratio (even). */
    int[] outputSize(int sourceWidth, int sourceHeight) {
        int w = spec.width();
        int h = spec.height();
        if (w <= 0 && h <= 0) {
            return new int[] {sourceWidth, sourceHeight};
        }
        if (w <= 0) {
            w = Math.max(2, (int) Math.round((double) sourceWidth * h / sourceHeight / 2) * 2);
        } else if (h <= 0) {
            h = Math.max(2, (int) Math.round((double) sourceHeight * w / sourceWidth / 2) * 2);
        }
        return new int[] {w, h};
    }

    private static void checkLocalFile(String location) {
        if (location.contains("://") && !location.startsWith("file://")) {
            return; // a network URL: FFmpeg reports what goes wrong
        }
        String path = location.startsWith("file://") ? location.substring(7) : location;
        if (path.startsWith("file:")) {
            path = path.substring(5);
        }
        Path file = Path.of(path);
        if (!Files.exists(file)) {
            throw new IngestException(
                    IngestException.INPUT, "cannot read '" + location + "': no such file");
        }
        if (!Files.isRegularFile(file) && !path.startsWith("/dev/")) {
            throw new IngestException(
                    IngestException.INPUT, "cannot read '" + location + "': not a regular file");
        }
        if (!Files.isReadable(file)) {
            throw new IngestException(
                    IngestException.INPUT, "cannot read '" + location + "': permission denied");
        }
    }

    /** The next decoded frame (video or audio), or null at the end of the input. */
    public Frame grab() {
        try {
            return grabber.grabFrame(audio, video, true, false, false);
        } catch (FrameGrabber.Exception e) {
            throw new IngestException(
                    IngestException.INPUT,
                    "error reading '" + spec.input() + "': " + FFmpegErrors.reasonOf(e),
                    e);
        }
    }

    /** Media time of a frame in µs from the start of the input. */
    public long mediaTimeUs(Frame frame) {
        return frame.timestamp - startUs;
    }

    /** Back to the start of the input, for {@code --loop}. */
    public void rewind() {
        try {
            grabber.restart();
        } catch (FrameGrabber.Exception e) {
            throw new IngestException(
                    IngestException.INPUT,
                    "cannot restart '" + spec.input() + "': " + FFmpegErrors.reasonOf(e),
                    e);
        }
    }

    public boolean hasVideo() {
        return video;
    }

    public boolean hasAudio() {
        return audio;
    }

    /**
     * Whether the input carries subtitle streams (read separately by {@link EmbeddedSubtitles}).
     */
    public boolean hasSubtitleStreams() {
        var format = grabber.getFormatContext();
        for (int i = 0; i < format.nb_streams(); i++) {
            if (format.streams(i).codecpar().codec_type()
                    == org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_SUBTITLE) {
                return true;
            }
        }
        return false;
    }

    /** Whether the input has an audio stream at all (whether or not it is ingested). */
    public boolean inputHasAudio() {
        return grabber.hasAudio();
    }

    public double frameRate() {
        return grabber.getFrameRate();
    }

    /** Video frames in the input by its header, or 0 when unknown (streams, devices). */
    public int lengthInVideoFrames() {
        return Math.max(0, grabber.getLengthInVideoFrames());
    }

    /** Width of the published frames. */
    public int outputWidth() {
        return outputWidth;
    }

    /** Height of the published frames. */
    public int outputHeight() {
        return outputHeight;
    }

    public String location() {
        return location;
    }

    @Override
    public void close() {
        closeQuietly(grabber);
    }

    private static void closeQuietly(FFmpegFrameGrabber grabber) {
        try {
            grabber.release();
        } catch (FrameGrabber.Exception | RuntimeException ignored) {
            // closing after a failure: the first error is the one to report
        }
    }
}
