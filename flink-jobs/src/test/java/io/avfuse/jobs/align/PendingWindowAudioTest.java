package io.avfuse.jobs.align;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.schemas.AlignedWindow;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.SampleFormat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * A pending window keeps its audio as F32LE bytes (what a checkpoint writes in one bulk copy), and
 * windows restored in the older float layout still come out whole.
 */
class PendingWindowAudioTest {
    private static final long WINDOW_US = 1_000_000;
    private static final int RATE = 1_000; // 1,000 sample frames per window, easy to index

    @Test
    void f32AndS16ChunksLandAtTheirOffsetsAsFloats() {
        PendingWindow w = new PendingWindow(AlignFixtures.T0);
        float[] f32 = {0.5f, -0.25f, Float.MIN_VALUE, -1f};
        short[] s16 = {16384, -32768, 1, 32767};
        WindowAssembler.placeAudio(w, f32Chunk(AlignFixtures.T0 + 10_000, f32), WINDOW_US);
        WindowAssembler.placeAudio(w, s16Chunk(AlignFixtures.T0 + 500_000, s16), WINDOW_US);

        float[] out = emitted(w);
        assertThat(out).hasSize(RATE);
        assertThat(slice(out, 10, 4)).containsExactly(f32);
        assertThat(slice(out, 500, 4)).containsExactly(0.5f, -1f, 1 / 32768f, 32767 / 32768f);
        assertThat(out[9]).isZero();
        assertThat(out[14]).isZero();
        assertThat(w.audio).isNull();
    }

    @Test
    void aWindowRestoredWithFloatAudioKeepsItAndTakesNewChunks() {
        PendingWindow w = new PendingWindow(AlignFixtures.T0);
        w.sampleRate = RATE;
        w.channels = 1;
        w.audio = new float[RATE];
        w.audio[0] = 0.75f;
        w.covered = new long[(RATE + 63) / 64];
        WindowAssembler.setBits(w.covered, 0, 1);

        WindowAssembler.placeAudio(
                w, f32Chunk(AlignFixtures.T0 + 2_000, new float[] {0.125f}), WINDOW_US);

        assertThat(w.audio).isNull();
        float[] out = emitted(w);
        assertThat(slice(out, 0, 3)).containsExactly(0.75f, 0f, 0.125f);
    }

    @Test
    void theStateWritesAudioAsOneBlockOfBytes() throws Exception {
        // A checkpoint writes a byte[] in one bulk copy; Flink's float[] serializer goes float by
        // float. One window of 1,000 samples: 4,000 bytes of audio plus a few header fields.
        var serializer =
                new StreamAligner(AlignerConfig.defaults())
                        .pendingWindowsState()
                        .getValueSerializer();
        assertThat(serializer).isInstanceOf(PendingWindowSerializer.class);
        PendingWindow w = new PendingWindow(AlignFixtures.T0);
        WindowAssembler.placeAudio(w, f32Chunk(AlignFixtures.T0, new float[] {0.5f}), WINDOW_US);
        var out = new org.apache.flink.core.memory.DataOutputSerializer(8192);
        serializer.serialize(w, out);
        int coverage = 8 * w.covered.length;
        assertThat(out.length()).isBetween(RATE * 4 + coverage, RATE * 4 + coverage + 64);
    }

    private static float[] emitted(PendingWindow w) {
        AlignedWindow out =
                WindowAssembler.assemble(
                        "s",
                        w,
                        new StreamProgress(),
                        AlignerConfig.defaults()
                                .withWindow(
                                        java.time.Duration.ofMillis(WINDOW_US / 1000),
                                        java.time.Duration.ofMillis(WINDOW_US / 1000)),
                        0);
        return StreamAlignerTest.audio(out);
    }

    private static float[] slice(float[] a, int from, int n) {
        return java.util.Arrays.copyOfRange(a, from, from + n);
    }

    private static AudioChunk f32Chunk(long startUs, float[] samples) {
        ByteBuffer b = ByteBuffer.allocate(samples.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(samples);
        return chunk(startUs, SampleFormat.F32LE, b);
    }

    private static AudioChunk s16Chunk(long startUs, short[] samples) {
        ByteBuffer b = ByteBuffer.allocate(samples.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(samples);
        return chunk(startUs, SampleFormat.S16LE, b);
    }

    private static AudioChunk chunk(long startUs, SampleFormat format, ByteBuffer samples) {
        return AudioChunk.newBuilder()
                .setStreamId("s")
                .setChunkIndex(0)
                .setStartTimeUs(startUs)
                .setSampleRate(RATE)
                .setChannels(1)
                .setSampleFormat(format)
                .setSamples(samples)
                .build();
    }
}
