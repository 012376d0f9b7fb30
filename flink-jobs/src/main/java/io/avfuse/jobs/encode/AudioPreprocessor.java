package io.avfuse.jobs.encode;

import io.avfuse.schemas.WindowAudio;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * A window's audio to the log-mel front end's input: mono, at the model's sample rate, exactly
 * {@code window x rate} samples. Channels are averaged; another rate is resampled linearly (a 48
 * kHz camera feeding a 16 kHz model); non-finite samples become 0 and are counted.
 *
 * <p>{@code float[] mono = new AudioPreprocessor(16_000, 1_000_000).apply(window.getAudio());}
 */
public final class AudioPreprocessor {
    /** Mono samples and how many input samples were NaN or infinite. */
    public record Result(float[] samples, int nonFinite) {}

    private final int rate;
    private final int length;
    private final float[] silence;

    public AudioPreprocessor(int rate, long windowUs) {
        this.rate = rate;
        this.length = Math.toIntExact(windowUs * rate / 1_000_000L);
        this.silence = new float[length];
    }

    public int length() {
        return length;
    }

    /**
     * Writes a window of zeros at {@code out}'s position (a window without audio), advancing it.
     */
    public void writeSilence(FloatBuffer out) {
        out.put(silence);
    }

    /** The window's samples as a new array; {@link #writeInto} writes the same values in place. */
    public Result apply(WindowAudio audio) {
        float[] mono = new float[length];
        int nonFinite = writeInto(audio, FloatBuffer.wrap(mono));
        return new Result(mono, nonFinite);
    }

    /**
     * Writes the window's {@link #length()} samples at {@code out}'s position, advancing it, and
     * returns how many input samples were NaN or infinite. The usual input (mono, at the model's
     * rate, exactly one window) is one bulk copy into {@code out}, cleaned there: the model's kept
     * input buffers are filled this way without a float array per window and a second copy
     * (docs/benchmarks.md, P3, fourth round).
     */
    public int writeInto(WindowAudio audio, FloatBuffer out) {
        FloatBuffer f =
                audio.getSamples().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        int channels = Math.max(1, audio.getChannels());
        int frames = f.remaining() / channels;
        if (channels == 1 && audio.getSampleRate() == rate && frames == length) {
            int start = out.position();
            out.put(f);
            int nonFinite = 0;
            for (int i = start; i < start + length; i++) {
                if (!Float.isFinite(out.get(i))) {
                    nonFinite++;
                    out.put(i, 0);
                }
            }
            return nonFinite;
        }
        // One bulk copy out of the buffer, then plain array loops: reading the (little-endian
        // view of the) buffer sample by sample was the hottest Java frame of the P1 profile.
        float[] mono = new float[frames];
        int nonFinite = 0;
        if (channels == 1) {
            f.get(mono);
            for (int i = 0; i < frames; i++) {
                if (!Float.isFinite(mono[i])) {
                    nonFinite++;
                    mono[i] = 0;
                }
            }
        } else {
            float[] interleaved = new float[frames * channels];
            f.get(interleaved);
            for (int i = 0, j = 0; i < frames; i++) {
                float sum = 0;
                for (int c = 0; c < channels; c++, j++) {
                    float v = interleaved[j];
                    if (!Float.isFinite(v)) {
                        nonFinite++;
                        v = 0;
                    }
                    sum += v;
                }
                mono[i] = sum / channels;
            }
        }
        out.put(resample(mono, audio.getSampleRate()));
        return nonFinite;
    }

    private float[] resample(float[] in, int inRate) {
        if (inRate == rate && in.length == length) {
            return in;
        }
        float[] out = new float[length];
        if (in.length == 0) {
            return out;
        }
        double step = (double) inRate / rate;
        for (int i = 0; i < length; i++) {
            double pos = i * step;
            int j = (int) pos;
            if (j >= in.length - 1) {
                out[i] = in[in.length - 1];
            } else {
                double frac = pos - j;
                out[i] = (float) (in[j] * (1 - frac) + in[j + 1] * frac);
            }
        }
        return out;
    }
}
