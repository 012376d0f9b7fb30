package io.avfuse.jobs.encode;

import io.avfuse.schemas.WindowAudio;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;

/**
 * The pretrained files the build fetched ({@code flink-jobs/target/pretrained}) and real speech
 * from Debian's {@code alsa-utils} ({@code .ci/run} installs it).
 */
public final class PretrainedFixtures {
    public static final Path SPEECH = Path.of("/usr/share/sounds/alsa/Front_Center.wav");

    private PretrainedFixtures() {}

    public static PretrainedFiles files() {
        Path dir = Path.of(System.getProperty("avfuse.build.dir", "target"), "pretrained");
        PretrainedFiles f = PretrainedFiles.buildOutput(dir);
        for (Path p : new Path[] {f.minilmModel(), f.minilmTokenizer(), f.sileroVad()}) {
            if (!Files.isRegularFile(p)) {
                throw new IllegalStateException(
                        p
                                + " is missing: the build fetches it (./mvnw -pl flink-jobs"
                                + " generate-resources, npm needed for Silero)");
            }
        }
        return f;
    }

    /** A 16-bit PCM WAV file as a window's audio (its own rate, mono). */
    public static WindowAudio wav(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file + " is missing: apt-get install alsa-utils");
        }
        try (AudioInputStream in = AudioSystem.getAudioInputStream(file.toFile())) {
            AudioFormat f = in.getFormat();
            if (f.getSampleSizeInBits() != 16 || f.getChannels() != 1) {
                throw new IOException(file + ": expected 16-bit mono PCM, got " + f);
            }
            byte[] pcm = in.readAllBytes();
            ByteBuffer src =
                    ByteBuffer.wrap(pcm)
                            .order(
                                    f.isBigEndian()
                                            ? ByteOrder.BIG_ENDIAN
                                            : ByteOrder.LITTLE_ENDIAN);
            ByteBuffer samples =
                    ByteBuffer.allocate(pcm.length / 2 * 4).order(ByteOrder.LITTLE_ENDIAN);
            while (src.remaining() >= 2) {
                samples.putFloat(src.getShort() / 32768f);
            }
            samples.flip();
            return audio((int) f.getSampleRate(), samples);
        } catch (UnsupportedAudioFileException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** {@code seconds} of a sine at {@code hz} (amplitude 0.5) or, for 0 Hz, silence; 16 kHz. */
    public static WindowAudio tone(double hz, double seconds) {
        float[] v = toneSamples(hz, (int) (seconds * 16_000));
        ByteBuffer samples = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            samples.putFloat(x);
        }
        samples.flip();
        return audio(16_000, samples);
    }

    /** {@code n} samples at 16 kHz of a sine at {@code hz} (amplitude 0.5); 0 Hz is silence. */
    public static float[] toneSamples(double hz, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (0.5 * Math.sin(2 * Math.PI * hz * i / 16_000.0));
        }
        return v;
    }

    private static WindowAudio audio(int rate, ByteBuffer samples) {
        return WindowAudio.newBuilder()
                .setSampleRate(rate)
                .setChannels(1)
                .setSamples(samples)
                .setCoverage(1f)
                .setGaps(0)
                .build();
    }

    /** Duration of {@code audio} in microseconds. */
    public static long durationUs(WindowAudio audio) {
        long samples = audio.getSamples().remaining() / 4 / audio.getChannels();
        return samples * 1_000_000L / audio.getSampleRate();
    }
}
