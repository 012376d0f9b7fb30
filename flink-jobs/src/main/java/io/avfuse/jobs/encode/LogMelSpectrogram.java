package io.avfuse.jobs.encode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.Serializable;

/**
 * Log-mel spectrogram computed on the engine: Hann-windowed STFT (centred, reflect-padded), power,
 * an HTK mel filter bank built here, then {@code log(mel + floor)}. The parameters belong in the
 * model manifest so that training and serving agree.
 *
 * <p>{@code NDArray mel = new LogMelSpectrogram(LogMelSpectrogram.Params.DEFAULT).compute(audio);}
 */
public final class LogMelSpectrogram {
    /** Log floor: keeps silence finite (log(1e-6) = -13.8). */
    static final float FLOOR = 1e-6f;

    /**
     * @param sampleRate Hz of the input
     * @param nFft FFT size (25 ms at 16 kHz by default)
     * @param hop samples between frames (10 ms)
     * @param nMels mel bands
     * @param fMin lowest band edge, Hz
     * @param fMax highest band edge, Hz (at most sampleRate / 2)
     */
    public record Params(int sampleRate, int nFft, int hop, int nMels, float fMin, float fMax)
            implements Serializable {
        public static final Params DEFAULT = new Params(16_000, 400, 160, 64, 0f, 8_000f);

        public Params {
            if (nFft < 2
                    || hop < 1
                    || nMels < 1
                    || fMin < 0
                    || fMax <= fMin
                    || fMax > sampleRate / 2f) {
                throw new IllegalArgumentException("invalid log-mel parameters " + this);
            }
        }

        public int frequencies() {
            return nFft / 2 + 1;
        }

        /** Frames for {@code samples} input samples (centred STFT). */
        public int frames(int samples) {
            return samples / hop + 1;
        }
    }

    private final Params params;
    private final float[][] filters;

    public LogMelSpectrogram(Params params) {
        this.params = params;
        this.filters = melFilterBank(params);
    }

    public Params params() {
        return params;
    }

    /** {@code (B, N)} float audio to {@code (B, nMels, frames)} log-mel energies. */
    public NDArray compute(NDArray audio) {
        NDManager manager = audio.getManager();
        NDArray window = manager.hanningWindow(params.nFft()).toType(audio.getDataType(), false);
        // Complex (B, F, T) viewed as (B, F, T, 2): real and imaginary parts. Asking for the
        // complex result avoids libtorch's deprecated real-valued stft output.
        NDArray spec = audio.stft(params.nFft(), params.hop(), true, window, false, true).real();
        NDArray power = spec.square().sum(new int[] {-1}); // (B, F, T)
        NDArray bank = manager.create(filters).toType(audio.getDataType(), false); // (M, F)
        return bank.matMul(power).add(FLOOR).log(); // (M, F) x (B, F, T) -> (B, M, T)
    }

    /** Triangular HTK mel filters, {@code [nMels][nFft / 2 + 1]}, peak 1. */
    static float[][] melFilterBank(Params p) {
        int bins = p.frequencies();
        double melMin = hzToMel(p.fMin());
        double melMax = hzToMel(p.fMax());
        double[] edges = new double[p.nMels() + 2];
        for (int i = 0; i < edges.length; i++) {
            edges[i] = melToHz(melMin + (melMax - melMin) * i / (p.nMels() + 1));
        }
        float[][] bank = new float[p.nMels()][bins];
        for (int m = 0; m < p.nMels(); m++) {
            double lo = edges[m];
            double mid = edges[m + 1];
            double hi = edges[m + 2];
            for (int k = 0; k < bins; k++) {
                double f = (double) k * p.sampleRate() / p.nFft();
                double w = f <= mid ? (f - lo) / (mid - lo) : (hi - f) / (hi - mid);
                bank[m][k] = (float) Math.max(0, w);
            }
        }
        return bank;
    }

    static double hzToMel(double hz) {
        return 2595.0 * Math.log10(1.0 + hz / 700.0);
    }

    static double melToHz(double mel) {
        return 700.0 * (Math.pow(10.0, mel / 2595.0) - 1.0);
    }
}
