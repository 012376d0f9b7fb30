package io.avfuse.jobs.align;

import io.avfuse.connectors.testing.TestRecords;
import io.avfuse.jobs.encode.AudioPreprocessor;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.SampleFormat;
import io.avfuse.schemas.WindowAudio;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Operator-level A/B of the audio path the P1 profile found hottest: the code before issue 9 (kept
 * here verbatim as the reference) against the code now, on the same inputs, alternated round by
 * round in one JVM, median of the rounds. Per 1 s window of 16 kHz mono F32 audio in 50 chunks of
 * 20 ms: placing the chunks into the window buffer ({@code WindowAssembler.placeAudio}), the
 * coverage scan when the window is emitted ({@code WindowAssembler.audio}) and the model-input
 * conversion ({@code AudioPreprocessor.apply}). Each A/B result is checked to be identical.
 *
 * <p>{@code java ... io.avfuse.jobs.align.AudioPathBenchmark [ROUNDS] [WINDOWS_PER_ROUND]}
 * (tools/bench/run-all.sh runs it). Not a test: nothing asserts speed.
 */
public final class AudioPathBenchmark {
    private static final int RATE = 16_000;
    private static final long WINDOW_US = 1_000_000;
    private static final long CHUNK_US = 20_000;

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        int windows = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
        AudioChunk[] chunks = new AudioChunk[(int) (WINDOW_US / CHUNK_US)];
        for (int i = 0; i < chunks.length; i++) {
            ByteBuffer b = ByteBuffer.allocate(320 * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int s = 0; s < 320; s++) {
                b.putFloat((float) Math.sin((i * 320 + s) * 0.01));
            }
            b.flip();
            chunks[i] =
                    AudioChunk.newBuilder()
                            .setStreamId("cam-0")
                            .setChunkIndex(i)
                            .setStartTimeUs(TestRecords.T0_US + i * CHUNK_US)
                            .setSampleRate(RATE)
                            .setChannels(1)
                            .setSampleFormat(SampleFormat.F32LE)
                            .setSamples(b)
                            .build();
        }
        // Leave one chunk out so the coverage scan finds a gap, as real windows sometimes have.
        AudioChunk[] withGap = Arrays.copyOf(chunks, chunks.length);
        withGap[17] = null;
        AudioPreprocessor pre = new AudioPreprocessor(RATE, WINDOW_US);
        check(withGap, pre);
        System.out.printf(
                "audio path A/B (before issue 9 / now), 1 s of 16 kHz mono in 20 ms chunks,"
                        + " %d windows per round, %d rounds%n",
                windows, rounds);
        String[] names = {"placeAudio (50 chunks)", "coverage scan", "AudioPreprocessor.apply"};
        double[][] old = new double[3][rounds];
        double[][] now = new double[3][rounds];
        for (int warm = 0; warm < 2; warm++) {
            round(withGap, pre, windows, new double[3], new double[3]);
        }
        for (int r = 0; r < rounds; r++) {
            double[] o = new double[3];
            double[] n = new double[3];
            round(withGap, pre, windows, o, n);
            for (int k = 0; k < 3; k++) {
                old[k][r] = o[k];
                now[k][r] = n[k];
            }
        }
        for (int k = 0; k < 3; k++) {
            double o = median(old[k]);
            double n = median(now[k]);
            System.out.printf(
                    "  %-24s before %8.1f us/window, now %8.1f us/window, speed-up %.2fx%n",
                    names[k], o, n, o / n);
            System.out.printf(
                    "RESULT|AB|%s speed-up (before/now)|%.2f|> 1|%.1f -> %.1f us per window%n",
                    names[k], o / n, o, n);
        }
    }

    private static long sink;

    /** µs per window of each piece, old and new, interleaved piece by piece. */
    private static void round(
            AudioChunk[] chunks, AudioPreprocessor pre, int windows, double[] old, double[] now) {
        PendingWindow w = new PendingWindow(TestRecords.T0_US);
        for (int variant = 0; variant < 2; variant++) {
            boolean legacy = (variant + windows) % 2 == 0; // alternate which goes first
            for (int pass = 0; pass < 2; pass++, legacy = !legacy) {
                long t = System.nanoTime();
                for (int i = 0; i < windows; i++) {
                    w.audio = null;
                    w.audioF32le = null;
                    w.covered = null;
                    w.sampleRate = 0;
                    w.channels = 0;
                    for (AudioChunk c : chunks) {
                        if (c != null) {
                            if (legacy) {
                                legacyPlaceAudio(w, c, WINDOW_US);
                            } else {
                                WindowAssembler.placeAudio(w, c, WINDOW_US);
                            }
                        }
                    }
                }
                (legacy ? old : now)[0] += (System.nanoTime() - t) / 1e3 / windows / 2;
            }
        }
        for (int pass = 0; pass < 2; pass++) {
            boolean legacy = pass == 0;
            long t = System.nanoTime();
            for (int i = 0; i < windows; i++) {
                int[] cg =
                        legacy
                                ? legacyCoverage(w.covered, samples(w).length)
                                : WindowAssembler.coverage(w.covered, samples(w).length);
                sink += cg[0] + cg[1];
            }
            (legacy ? old : now)[1] += (System.nanoTime() - t) / 1e3 / windows;
        }
        WindowAudio audio = windowAudio(w);
        for (int pass = 0; pass < 2; pass++) {
            boolean legacy = pass == 1;
            long t = System.nanoTime();
            for (int i = 0; i < windows; i++) {
                float[] out = legacy ? legacyApply(audio) : pre.apply(audio).samples();
                sink += out.length;
            }
            (legacy ? old : now)[2] += (System.nanoTime() - t) / 1e3 / windows;
        }
    }

    private static void check(AudioChunk[] chunks, AudioPreprocessor pre) {
        PendingWindow a = new PendingWindow(TestRecords.T0_US);
        PendingWindow b = new PendingWindow(TestRecords.T0_US);
        for (AudioChunk c : chunks) {
            if (c != null) {
                legacyPlaceAudio(a, c, WINDOW_US);
                WindowAssembler.placeAudio(b, c, WINDOW_US);
            }
        }
        if (!Arrays.equals(a.audio, samples(b)) || !Arrays.equals(a.covered, b.covered)) {
            throw new AssertionError("placeAudio differs from the reference");
        }
        if (!Arrays.equals(
                legacyCoverage(a.covered, a.audio.length),
                WindowAssembler.coverage(b.covered, samples(b).length))) {
            throw new AssertionError("coverage differs from the reference");
        }
        WindowAudio audio = windowAudio(b);
        if (!Arrays.equals(legacyApply(audio), pre.apply(audio).samples())) {
            throw new AssertionError("AudioPreprocessor differs from the reference");
        }
    }

    /** A window's audio as floats, whichever layout placed it (the reference's or today's). */
    private static float[] samples(PendingWindow w) {
        if (w.audio != null) {
            return w.audio;
        }
        float[] out = new float[w.audioF32le.length / 4];
        ByteBuffer.wrap(w.audioF32le).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    private static WindowAudio windowAudio(PendingWindow w) {
        float[] samples = samples(w);
        ByteBuffer bytes = ByteBuffer.allocate(samples.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(samples);
        return WindowAudio.newBuilder()
                .setSampleRate(w.sampleRate)
                .setChannels(w.channels)
                .setSamples(bytes)
                .setCoverage(1f)
                .setGaps(0)
                .build();
    }

    // ---- the code before issue 9, verbatim but for names ----

    private static final long US = 1_000_000L;

    static boolean legacyPlaceAudio(PendingWindow w, AudioChunk chunk, long windowUs) {
        int rate = chunk.getSampleRate();
        int channels = chunk.getChannels();
        if (!w.hasAudio()) {
            w.sampleRate = rate;
            w.channels = channels;
            int frames = (int) WindowAssembler.windowFrames(windowUs, rate);
            w.audio = new float[frames * channels];
            w.covered = new long[(frames + 63) / 64];
        } else if (w.sampleRate != rate || w.channels != channels) {
            return false;
        }
        int windowFrames = w.audio.length / channels;
        float[] samples = legacyToFloats(chunk);
        int chunkFrames = samples.length / channels;
        long offset = Math.floorDiv(2 * (chunk.getStartTimeUs() - w.startUs) * rate + US, 2 * US);
        int from = (int) Math.max(0, -offset);
        int to = (int) Math.min(chunkFrames, windowFrames - offset);
        for (int i = from; i < to; i++) {
            int target = (int) (offset + i);
            System.arraycopy(samples, i * channels, w.audio, target * channels, channels);
            w.covered[target >>> 6] |= 1L << (target & 63);
        }
        return true;
    }

    static int[] legacyCoverage(long[] bits, int frames) {
        int covered = 0;
        int gaps = 0;
        boolean inGap = false;
        for (int i = 0; i < frames; i++) {
            boolean c = (bits[i >>> 6] & (1L << (i & 63))) != 0;
            if (c) {
                covered++;
            } else if (!inGap) {
                gaps++;
            }
            inGap = !c;
        }
        return new int[] {covered, gaps};
    }

    static float[] legacyApply(WindowAudio audio) {
        FloatBuffer f =
                audio.getSamples().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        int channels = Math.max(1, audio.getChannels());
        int frames = f.remaining() / channels;
        float[] mono = new float[frames];
        for (int i = 0; i < frames; i++) {
            float sum = 0;
            for (int c = 0; c < channels; c++) {
                float v = f.get(i * channels + c);
                if (!Float.isFinite(v)) {
                    v = 0;
                }
                sum += v;
            }
            mono[i] = sum / channels;
        }
        return mono; // same rate and length here: the old resample returned its input
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private AudioPathBenchmark() {}

    static float[] legacyToFloats(AudioChunk chunk) {
        ByteBuffer bytes = chunk.getSamples().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (chunk.getSampleFormat() == SampleFormat.S16LE) {
            short[] in = new short[bytes.remaining() / 2];
            bytes.asShortBuffer().get(in);
            float[] out = new float[in.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = in[i] / 32768f;
            }
            return out;
        }
        float[] out = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(out);
        return out;
    }
}
