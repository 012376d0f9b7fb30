package io.avfuse.jobs.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.avfuse.schemas.WindowAudio;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Silero VAD through DJL's ONNX Runtime engine on real speech (alsa-utils' "Front, center", 48 kHz,
 * resampled by the project's own {@link AudioPreprocessor}) against silence, a pure tone and noise.
 */
class SileroSpeechActivityTest {
    private static SileroSpeechActivity vad;

    @BeforeAll
    static void load() throws IOException {
        vad = SileroSpeechActivity.load(PretrainedFixtures.files().sileroVad());
    }

    @AfterAll
    static void close() {
        vad.close();
    }

    @Test
    void speechScoresClearlyAboveSilenceToneAndNoise() throws IOException {
        WindowAudio speech = PretrainedFixtures.wav(PretrainedFixtures.SPEECH);
        long us = PretrainedFixtures.durationUs(speech);
        float[] s = mono16k(speech, us);
        float[] silence = mono16k(PretrainedFixtures.tone(0, us / 1e6), us);
        float[] tone = mono16k(PretrainedFixtures.tone(440, us / 1e6), us);
        float[] noise =
                mono16k(PretrainedFixtures.wav(Path.of("/usr/share/sounds/alsa/Noise.wav")), us);
        float[][] p = vad.probabilities(new float[][] {s, silence, tone, noise});
        System.out.printf(
                "Silero VAD over %d chunks of 32 ms: speech max %.3f, share > 0.5 %.2f;"
                        + " silence max %.3f; 440 Hz tone max %.3f; noise max %.3f%n",
                p[0].length, max(p[0]), share(p[0], 0.5f), max(p[1]), max(p[2]), max(p[3]));
        // The clip is about 1.4 s: a short phrase between leading and trailing quiet.
        assertThat(max(p[0])).isGreaterThan(0.9f);
        assertThat(share(p[0], 0.5f)).isGreaterThan(0.3);
        assertThat(max(p[1])).isLessThan(0.1f);
        assertThat(max(p[2])).isLessThan(0.3f);
        assertThat(max(p[3])).isLessThan(0.5f);
    }

    @Test
    void windowsInABatchDoNotShareState() throws IOException {
        WindowAudio speech = PretrainedFixtures.wav(PretrainedFixtures.SPEECH);
        long us = PretrainedFixtures.durationUs(speech);
        float[] s = mono16k(speech, us);
        float[] silence = new float[s.length];
        float[] alone = vad.probabilities(new float[][] {silence})[0];
        float[][] together = vad.probabilities(new float[][] {s, silence});
        for (int c = 0; c < alone.length; c++) {
            assertThat(together[1][c])
                    .isCloseTo(alone[c], org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    @Test
    void chunksAre32msAndAWrongFileFailsNamingIt() {
        assertThat(SileroSpeechActivity.chunks(16_000)).isEqualTo(31);
        assertThat(vad.probabilities(new float[][] {new float[16_000]})[0]).hasSize(31);
        Path minilm = PretrainedFixtures.files().minilmModel();
        assertThatThrownBy(() -> SileroSpeechActivity.load(minilm))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(minilm.toString())
                .hasMessageContaining("state");
    }

    private static float[] mono16k(WindowAudio audio, long windowUs) {
        return new AudioPreprocessor(16_000, windowUs).apply(audio).samples();
    }

    private static float max(float[] v) {
        float m = Float.NEGATIVE_INFINITY;
        for (float x : v) {
            m = Math.max(m, x);
        }
        return m;
    }

    private static double share(float[] v, float above) {
        return Arrays.stream(toDouble(v)).filter(x -> x > above).count() / (double) v.length;
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
