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

    public AudioPreprocessor(int rate, long windowUs) {
        this.rate = rate;
        this.length = Math.toIntExact(windowUs * rate / 1_000_000L);
    }

    public int length() {
        return length;
    }

    public Result apply(WindowAudio audio) {
        FloatBuffer f =
                audio.getSamples().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        int channels = Math.max(1, audio.getChannels());
        int frames = f.remaining() / channels;
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
        return new Result(resample(mono, audio.getSampleRate()), nonFinite);
    }

    private float[] resample(float[] in, int inRate) {
        if (inRate == rate && in.length == length) {
            // Checked before allocating: zeroing an unused output array per window was this
            // method's whole cost in the P1 profile (the usual case needs no resampling).
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
