package io.avfuse.jobs.encode;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WaveformEncoderTest {
    private static final int E = 32;
    private NDManager manager;

    @BeforeEach
    void engine() {
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        manager.getEngine().setRandomSeed(9);
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void oneSecondOfSamplesBecomesAUnitEmbedding() {
        SequentialBlock audio = WaveformEncoder.create(E, 16_000);
        Shape in = new Shape(3, 1, 16_000);
        audio.initialize(manager, DataType.FLOAT32, in);
        NDArray out =
                audio.forward(
                                new ParameterStore(manager, false),
                                new NDList(manager.randomNormal(in)),
                                false)
                        .singletonOrThrow();
        assertThat(out.getShape()).isEqualTo(new Shape(3, E));
        assertThat(audio.getOutputShapes(new Shape[] {in})[0]).isEqualTo(new Shape(3, E));
        for (float n : out.square().sum(new int[] {1}).sqrt().toFloatArray()) {
            assertThat(n).isCloseTo(1f, Offset.offset(1e-5f));
        }
    }

    @Test
    void theFrontEndKernelFollowsTheSampleRate() {
        // 25 ms / 10 ms: 400 / 160 samples at 16 kHz, 1200 / 480 at 48 kHz.
        Shape out16 =
                WaveformEncoder.create(E, 16_000)
                        .getChildren()
                        .get(0)
                        .getValue()
                        .getOutputShapes(new Shape[] {new Shape(1, 1, 16_000)})[0];
        Shape out48 =
                WaveformEncoder.create(E, 48_000)
                        .getChildren()
                        .get(0)
                        .getValue()
                        .getOutputShapes(new Shape[] {new Shape(1, 1, 48_000)})[0];
        assertThat(out16.get(2)).isEqualTo((16_000 - 400) / 160 + 1);
        assertThat(out48.get(2)).isEqualTo(out16.get(2));
    }

    /** Raw samples of a 500 Hz or a 2 kHz tone in noise, random phase and loudness. */
    @Test
    void theWaveformEncoderLearnsToTellTonesApart() throws Exception {
        Random rnd = new Random(4);
        double accuracy =
                EncoderTraining.heldOutAccuracy(
                        WaveformEncoder.create(E, 16_000),
                        new Shape(16, 1, 4000),
                        (m, labels) -> tones(m, labels, rnd),
                        40,
                        0.01f);
        System.out.printf("waveform tones 500 Hz / 2 kHz: held-out accuracy %.3f%n", accuracy);
        assertThat(accuracy).isGreaterThanOrEqualTo(0.9);
    }

    private static NDArray tones(NDManager m, float[] labels, Random rnd) {
        float[][] samples = new float[labels.length][4000];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = rnd.nextInt(2);
            double hz = labels[i] == 0 ? 500 : 2000;
            double phase = rnd.nextDouble() * 2 * Math.PI;
            double amp = 0.2 + 0.6 * rnd.nextDouble();
            for (int n = 0; n < 4000; n++) {
                samples[i][n] =
                        (float)
                                (amp * Math.sin(2 * Math.PI * hz * n / 16000.0 + phase)
                                        + 0.3 * rnd.nextGaussian());
            }
        }
        return m.create(samples).expandDims(1);
    }
}
