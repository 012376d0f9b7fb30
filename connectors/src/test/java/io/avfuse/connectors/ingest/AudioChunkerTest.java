package io.avfuse.connectors.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AudioChunkerTest {
    private static final long BASE = 1_767_225_600_000_000L;

    @Test
    void chunksTileTimeExactlyWhateverTheInputFrameSizes() {
        List<AudioChunker.Chunk> chunks = new ArrayList<>();
        AudioChunker chunker = new AudioChunker(16_000, 1, 320, BASE + 500_000, chunks::add);
        float[] samples = new float[16_000];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = i;
        }
        // Uneven input frames, as a resampler delivers them.
        int[] sizes = {325, 341, 342, 1, 7000, 3000, 4991};
        int offset = 0;
        for (int size : sizes) {
            chunker.accept(samples, offset, size);
            offset += size;
        }
        chunker.flush();

        assertThat(offset).isEqualTo(16_000);
        assertThat(chunks).hasSize(50);
        for (int n = 0; n < chunks.size(); n++) {
            AudioChunker.Chunk c = chunks.get(n);
            assertThat(c.index()).isEqualTo(n);
            assertThat(c.startUs()).isEqualTo(BASE + 500_000 + n * 20_000L);
            assertThat(c.samples()[0]).as("first sample of chunk %d", n).isEqualTo(n * 320f);
        }
        assertThat(chunker.endUs()).isEqualTo(BASE + 1_500_000);
    }

    @Test
    void startTimesComeFromSampleCountsWithoutDrift() {
        // 44.1 kHz, 10 ms = 441 frames = exactly 10 000 µs; 7-frame chunks are 158.73 µs each.
        List<AudioChunker.Chunk> chunks = new ArrayList<>();
        AudioChunker chunker = new AudioChunker(44_100, 2, 7, 0, chunks::add);
        float[] stereo = new float[2 * 44_100];
        chunker.accept(stereo, 0, 44_100);
        chunker.flush();
        assertThat(chunks).hasSize(6300);
        assertThat(chunks.get(6299).startUs()).isEqualTo(6299L * 7 * 1_000_000 / 44_100);
        assertThat(chunker.endUs()).isEqualTo(1_000_000);
        for (int n = 1; n < chunks.size(); n++) {
            long gap = chunks.get(n).startUs() - chunks.get(n - 1).startUs();
            assertThat(gap).isBetween(158L, 159L);
        }
    }

    @Test
    void lastChunkIsShorterAndInterleavedChannelsStayTogether() {
        List<AudioChunker.Chunk> chunks = new ArrayList<>();
        AudioChunker chunker = new AudioChunker(8_000, 2, 4, 0, chunks::add);
        chunker.accept(new float[] {1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6}, 0, 6);
        chunker.flush();
        assertThat(chunks).hasSize(2);
        assertThat(chunks.get(1).frames()).isEqualTo(2);
        assertThat(chunks.get(1).samples()).containsExactly(5, -5, 6, -6);
        assertThat(chunks.get(1).startUs()).isEqualTo(500);
        assertThat(chunker.framesAccepted()).isEqualTo(6);
    }

    @Test
    void framesForRoundsDownButNeverToZero() {
        assertThat(AudioChunker.framesFor(16_000, 100)).isEqualTo(1600);
        assertThat(AudioChunker.framesFor(44_100, 20)).isEqualTo(882);
        assertThat(AudioChunker.framesFor(8_000, 0)).isEqualTo(1);
        assertThatThrownBy(() -> new AudioChunker(0, 1, 1, 0, c -> {}))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
