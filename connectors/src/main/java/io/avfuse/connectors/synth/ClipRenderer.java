package io.avfuse.connectors.synth;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_AAC;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameRecorder;

/**
 * Renders planned windows into an MP4 (H.264 through the LGPL build's {@code libopenh264}, AAC)
 * with JavaCV's recorder. Video: a dark noisy background with a wandering grey decoy square, plus
 * the window's cue (a drifting blue square, a bouncing red disc, or a two-frame white flash in its
 * slot); absent video is black. Audio: low background noise plus the cue (a 300 Hz hum, a 1200 Hz
 * whistle, or a 60 ms 2 kHz beep in its slot); absent audio is silence.
 *
 * <p>{@code new ClipRenderer(160, 120, 25, 16000, seed).render(windows, Path.of("clip0.mp4"));}
 */
public final class ClipRenderer {
    /** Timed cues start this far into their 200 ms slot. */
    static final double CUE_DELAY_S = 0.06;

    static final double SLOT_S = 1.0 / ClassCatalogue.SLOTS;
    static final double FLASH_S = 0.08;
    static final double BEEP_S = 0.06;

    private final int width;
    private final int height;
    private final int fps;
    private final int sampleRate;
    private final Random random;
    private double decoyX;
    private double decoyY;

    public ClipRenderer(int width, int height, int fps, int sampleRate, long seed) {
        this.width = width;
        this.height = height;
        this.fps = fps;
        this.sampleRate = sampleRate;
        // Not the planner's sequence: the same seed would make render noise echo the labels.
        this.random = new Random(seed ^ 0x9E3779B97F4A7C15L);
        this.decoyX = width / 3.0;
        this.decoyY = height / 3.0;
    }

    public void render(List<WindowPlan> windows, Path mp4) throws FrameRecorder.Exception {
        try (FFmpegFrameRecorder recorder =
                new FFmpegFrameRecorder(mp4.toFile(), width, height, 1)) {
            recorder.setFormat("mp4");
            recorder.setVideoCodecName("libopenh264");
            recorder.setPixelFormat(AV_PIX_FMT_YUV420P);
            recorder.setFrameRate(fps);
            recorder.setGopSize(fps);
            recorder.setVideoBitrate(400_000);
            recorder.setAudioCodec(AV_CODEC_ID_AAC);
            recorder.setSampleRate(sampleRate);
            recorder.setAudioChannels(1);
            recorder.setAudioBitrate(64_000);
            recorder.start();
            Frame frame = new Frame(width, height, Frame.DEPTH_UBYTE, 3);
            byte[] bgr = new byte[width * height * 3];
            int samplesPerFrame = sampleRate / fps;
            for (WindowPlan window : windows) {
                float[] audio = audio(window);
                for (int k = 0; k < fps; k++) {
                    paint(window, (double) k / fps, bgr);
                    ByteBuffer pixels = (ByteBuffer) frame.image[0];
                    for (int y = 0; y < height; y++) {
                        pixels.position(y * frame.imageStride);
                        pixels.put(bgr, y * width * 3, width * 3);
                    }
                    pixels.rewind();
                    recorder.record(frame);
                    int from = k * samplesPerFrame;
                    int to = k == fps - 1 ? audio.length : from + samplesPerFrame;
                    recorder.recordSamples(
                            sampleRate, 1, FloatBuffer.wrap(audio, from, to - from).slice());
                }
            }
            recorder.stop();
        }
    }

    private void paint(WindowPlan window, double t, byte[] bgr) {
        if (!window.present(Modality.VIDEO)) {
            java.util.Arrays.fill(bgr, (byte) 0);
            return;
        }
        for (int i = 0; i < bgr.length; i++) {
            bgr[i] = (byte) (40 + random.nextInt(16));
        }
        decoyX = clamp(decoyX + 3 * random.nextGaussian(), 0, width - 10);
        decoyY = clamp(decoyY + 3 * random.nextGaussian(), 0, height - 10);
        rect(bgr, (int) decoyX, (int) decoyY, 10, 10, 128, 128, 128);
        Cue cue = window.cues().get(Modality.VIDEO);
        switch (cue.symbol()) {
            case ClassCatalogue.VIDEO_DRIFT -> {
                int x = (int) (8 + t * (width - 40));
                rect(bgr, x, height / 2 - 12, 24, 24, 220, 60, 30); // blue (BGR)
            }
            case ClassCatalogue.VIDEO_BOUNCE -> {
                int cy =
                        (int)
                                (height * 0.75
                                        - (height * 0.5) * Math.abs(Math.sin(3 * Math.PI * t)));
                disc(bgr, width / 2, cy, 12, 30, 40, 220); // red (BGR)
            }
            default -> {
                double start = cue.slot() * SLOT_S + CUE_DELAY_S;
                if (t >= start - 1e-9 && t < start + FLASH_S - 1e-9) {
                    rect(bgr, width / 4, height / 4, width / 2, height / 2, 255, 255, 255);
                }
            }
        }
    }

    float[] audio(WindowPlan window) {
        float[] samples = new float[sampleRate];
        if (!window.present(Modality.AUDIO)) {
            return samples;
        }
        Cue cue = window.cues().get(Modality.AUDIO);
        double beepStart = cue.slot() * SLOT_S + CUE_DELAY_S;
        for (int i = 0; i < samples.length; i++) {
            double t = (double) i / sampleRate;
            double s = 0.03 * (random.nextDouble() * 2 - 1);
            switch (cue.symbol()) {
                case ClassCatalogue.AUDIO_LOW -> s += 0.3 * Math.sin(2 * Math.PI * 300 * t);
                case ClassCatalogue.AUDIO_HIGH -> s += 0.3 * Math.sin(2 * Math.PI * 1200 * t);
                default -> {
                    double u = t - beepStart;
                    if (u >= 0 && u < BEEP_S) {
                        double ramp = Math.min(1, Math.min(u, BEEP_S - u) / 0.005);
                        s += 0.5 * ramp * Math.sin(2 * Math.PI * 2000 * t);
                    }
                }
            }
            samples[i] = (float) s;
        }
        return samples;
    }

    private void rect(byte[] bgr, int x0, int y0, int w, int h, int b, int g, int r) {
        for (int y = Math.max(0, y0); y < Math.min(height, y0 + h); y++) {
            for (int x = Math.max(0, x0); x < Math.min(width, x0 + w); x++) {
                int i = (y * width + x) * 3;
                bgr[i] = (byte) b;
                bgr[i + 1] = (byte) g;
                bgr[i + 2] = (byte) r;
            }
        }
    }

    private void disc(byte[] bgr, int cx, int cy, int radius, int b, int g, int r) {
        for (int y = cy - radius; y <= cy + radius; y++) {
            for (int x = cx - radius; x <= cx + radius; x++) {
                int dx = x - cx;
                int dy = y - cy;
                if (dx * dx + dy * dy <= radius * radius) {
                    rect(bgr, x, y, 1, 1, b, g, r);
                }
            }
        }
    }

    private static double clamp(double v, double lo, double hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
