package io.avfuse.jobs.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The engine's log-mel against a plain-Java DFT of the same definition, and a sanity check. */
class LogMelSpectrogramTest {
    private static final LogMelSpectrogram.Params P = LogMelSpectrogram.Params.DEFAULT;
    private NDManager manager;

    @BeforeEach
    void engine() {
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void matchesAPlainJavaDftReference() {
        int n = 4000; // 250 ms
        float[][] audio = new float[2][n];
        Random rnd = new Random(5);
        for (int i = 0; i < n; i++) {
            audio[0][i] =
                    (float)
                            (0.5 * Math.sin(2 * Math.PI * 440 * i / 16000.0)
                                    + 0.05 * rnd.nextGaussian());
            audio[1][i] = (float) (0.3 * Math.sin(2 * Math.PI * 2500 * i / 16000.0));
        }
        NDArray mel = new LogMelSpectrogram(P).compute(manager.create(audio));
        assertThat(mel.getShape()).isEqualTo(new Shape(2, P.nMels(), P.frames(n)));
        float[] engine = mel.toFloatArray();
        double[][][] reference = new double[2][][];
        for (int b = 0; b < 2; b++) {
            reference[b] = referenceLogMel(audio[b]);
        }
        int frames = P.frames(n);
        double worst = 0;
        for (int b = 0; b < 2; b++) {
            for (int m = 0; m < P.nMels(); m++) {
                for (int t = 0; t < frames; t++) {
                    double diff =
                            Math.abs(engine[(b * P.nMels() + m) * frames + t] - reference[b][m][t]);
                    // Relative to the magnitude of the log energy; near-silent bands are noisier.
                    worst = Math.max(worst, diff / Math.max(1.0, Math.abs(reference[b][m][t])));
                }
            }
        }
        assertThat(worst).isLessThan(1e-3);
    }

    @Test
    void aToneLightsTheBandThatContainsIt() {
        int n = 16000;
        float[][] audio = new float[1][n];
        for (int i = 0; i < n; i++) {
            audio[0][i] = (float) Math.sin(2 * Math.PI * 1000 * i / 16000.0);
        }
        NDArray mel = new LogMelSpectrogram(P).compute(manager.create(audio));
        int band = (int) mel.get(0).mean(new int[] {1}).argMax().getLong();
        float[][] bank = LogMelSpectrogram.melFilterBank(P);
        int toneBin = 1000 * P.nFft() / P.sampleRate(); // 25
        int best = 0;
        for (int m = 0; m < bank.length; m++) {
            if (bank[m][toneBin] > bank[best][toneBin]) {
                best = m;
            }
        }
        assertThat(band).isEqualTo(best);
        assertThat(mel.isNaN().any().getBoolean()).isFalse();
        NDArray silence = new LogMelSpectrogram(P).compute(manager.zeros(new Shape(1, 1600)));
        assertThat(silence.max().getFloat())
                .isEqualTo(
                        (float) Math.log(LogMelSpectrogram.FLOOR),
                        org.assertj.core.data.Offset.offset(1e-3f));
    }

    @Test
    void rejectsImpossibleParameters() {
        assertThatThrownBy(() -> new LogMelSpectrogram.Params(16_000, 400, 160, 64, 0, 9_000))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** Centred (reflect-padded) STFT with a periodic Hann window, by direct DFT, in double. */
    private static double[][] referenceLogMel(float[] x) {
        int nFft = P.nFft();
        int pad = nFft / 2;
        double[] padded = new double[x.length + 2 * pad];
        for (int i = 0; i < padded.length; i++) {
            int j = i - pad;
            if (j < 0) {
                j = -j;
            } else if (j >= x.length) {
                j = 2 * (x.length - 1) - j;
            }
            padded[i] = x[j];
        }
        int frames = P.frames(x.length);
        int bins = P.frequencies();
        float[][] bank = LogMelSpectrogram.melFilterBank(P);
        double[][] out = new double[P.nMels()][frames];
        for (int t = 0; t < frames; t++) {
            double[] power = new double[bins];
            for (int k = 0; k < bins; k++) {
                double re = 0;
                double im = 0;
                for (int i = 0; i < nFft; i++) {
                    double w = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / nFft);
                    double v = padded[t * P.hop() + i] * w;
                    double a = -2 * Math.PI * k * i / nFft;
                    re += v * Math.cos(a);
                    im += v * Math.sin(a);
                }
                power[k] = re * re + im * im;
            }
            for (int m = 0; m < P.nMels(); m++) {
                double e = 0;
                for (int k = 0; k < bins; k++) {
                    e += bank[m][k] * power[k];
                }
                out[m][t] = Math.log(e + LogMelSpectrogram.FLOOR);
            }
        }
        return out;
    }
}
