package io.avfuse.jobs.align;

import io.avfuse.schemas.AlignedWindow;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.ModalityPresence;
import io.avfuse.schemas.SampleFormat;
import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.VideoFrame;
import io.avfuse.schemas.WindowAudio;
import io.avfuse.schemas.WindowFrame;
import io.avfuse.schemas.WindowText;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/** The pure parts of alignment: placing audio into a window and building the emitted record. */
final class WindowAssembler {
    private static final long US = 1_000_000L;

    /**
     * Most F32 samples one window's audio buffer may hold (16 MiB): W x rate x channels beyond it
     * is refused, not allocated — 1 s of 384 kHz 32-channel audio would be 49 MB per window.
     */
    static final long MAX_WINDOW_SAMPLES = 1L << 22;

    private WindowAssembler() {}

    /** Sample frames of audio in a window of {@code windowUs} at {@code rate}. */
    static long windowFrames(long windowUs, int rate) {
        return Math.multiplyHigh(windowUs, rate) != 0 ? Long.MAX_VALUE : windowUs * rate / US;
    }

    /** Whether a window's buffer for this chunk's rate and channels stays within the cap. */
    static boolean fits(AudioChunk chunk, long windowUs) {
        long frames = windowFrames(windowUs, chunk.getSampleRate());
        return frames <= MAX_WINDOW_SAMPLES / Math.max(1, chunk.getChannels());
    }

    /**
     * Copies the part of {@code chunk} that falls inside the window into its audio buffer, as F32.
     * Returns false (and copies nothing) when the chunk's rate or channel count differs from what
     * the window already holds.
     */
    static boolean placeAudio(PendingWindow w, AudioChunk chunk, long windowUs) {
        int rate = chunk.getSampleRate();
        int channels = chunk.getChannels();
        if (!w.hasAudio()) {
            w.sampleRate = rate;
            w.channels = channels;
            int frames = (int) windowFrames(windowUs, rate); // fits() bounds it
            w.audioF32le = new byte[frames * channels * 4];
            w.covered = new long[(frames + 63) / 64];
        } else if (w.sampleRate != rate || w.channels != channels) {
            return false;
        }
        w.upgradeAudio();
        int windowFrames = w.audioF32le.length / 4 / channels;
        boolean s16 = chunk.getSampleFormat() == SampleFormat.S16LE;
        int chunkFrames = chunk.getSamples().remaining() / (s16 ? 2 : 4) / channels;
        // The chunk's first sample on the window's sample grid, rounded to the nearest sample:
        // producers round PTS to whole µs, and flooring would open one-sample gaps.
        long offset = Math.floorDiv(2 * (chunk.getStartTimeUs() - w.startUs) * rate + US, 2 * US);
        int from = (int) Math.max(0, -offset);
        int to = (int) Math.min(chunkFrames, windowFrames - offset);
        if (from < to) {
            // One copy and a word-wise coverage update per chunk, not one per sample.
            int target = (int) (offset + from);
            copyAsF32le(
                    chunk,
                    from * channels,
                    w.audioF32le,
                    target * channels,
                    (to - from) * channels);
            setBits(w.covered, target, target + (to - from));
        }
        return true;
    }

    /** Sets bits {@code [from, to)} of {@code bits}. */
    static void setBits(long[] bits, int from, int to) {
        if (from >= to) {
            return;
        }
        int first = from >>> 6;
        int last = (to - 1) >>> 6;
        long firstMask = -1L << (from & 63);
        long lastMask = -1L >>> (63 - ((to - 1) & 63));
        if (first == last) {
            bits[first] |= firstMask & lastMask;
            return;
        }
        bits[first] |= firstMask;
        for (int k = first + 1; k < last; k++) {
            bits[k] = -1L;
        }
        bits[last] |= lastMask;
    }

    /** Set bits among the first {@code n}, and runs of clear bits there: {covered, gaps}. */
    static int[] coverage(long[] bits, int n) {
        int covered = 0;
        int gaps = 0;
        long carry = 0; // bit 0: the previous position was uncovered
        for (int k = 0; k * 64 < n; k++) {
            int valid = n - k * 64;
            long inRange = valid < 64 ? (1L << valid) - 1 : -1L;
            long u = ~bits[k] & inRange;
            covered += Long.bitCount(bits[k] & inRange);
            gaps += Long.bitCount(u & ~((u << 1) | carry));
            carry = u >>> 63;
        }
        return new int[] {covered, gaps};
    }

    /**
     * Copies {@code n} samples of {@code chunk} from sample {@code from} into {@code dst} (F32LE)
     * at sample {@code at}: F32LE chunks byte for byte, S16LE ones scaled to [-1, 1).
     */
    static void copyAsF32le(AudioChunk chunk, int from, byte[] dst, int at, int n) {
        ByteBuffer src = chunk.getSamples().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (chunk.getSampleFormat() == SampleFormat.S16LE) {
            java.nio.ShortBuffer in = src.asShortBuffer();
            java.nio.FloatBuffer out =
                    ByteBuffer.wrap(dst).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            for (int i = 0; i < n; i++) {
                out.put(at + i, in.get(from + i) / 32768f);
            }
            return;
        }
        src.position(src.position() + from * 4);
        src.get(dst, at * 4, n * 4);
    }

    /** Up to {@code k} frames closest to k evenly spaced instants across the window. */
    static List<VideoFrame> sampleFrames(VideoFrame[] frames, long startUs, long windowUs, int k) {
        VideoFrame[] sorted = frames.clone();
        Arrays.sort(sorted, Comparator.comparingLong(VideoFrame::getEventTimeUs));
        if (sorted.length <= k) {
            return List.of(sorted);
        }
        boolean[] used = new boolean[sorted.length];
        List<VideoFrame> picked = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            long target = startUs + (2L * i + 1) * windowUs / (2L * k);
            int best = -1;
            for (int j = 0; j < sorted.length; j++) {
                if (!used[j]
                        && (best < 0
                                || Math.abs(sorted[j].getEventTimeUs() - target)
                                        < Math.abs(sorted[best].getEventTimeUs() - target))) {
                    best = j;
                }
            }
            used[best] = true;
            picked.add(sorted[best]);
        }
        picked.sort(Comparator.comparingLong(VideoFrame::getEventTimeUs));
        return picked;
    }

    /** Builds the emitted record and updates the carry-over text and metadata in {@code p}. */
    static AlignedWindow assemble(
            String streamId, PendingWindow w, StreamProgress p, AlignerConfig c, long nowUs) {
        long start = w.startUs;
        long end = start + c.windowUs();

        List<WindowFrame> frames = new ArrayList<>();
        for (VideoFrame f : sampleFrames(w.frames, start, c.windowUs(), c.framesPerWindow())) {
            frames.add(
                    WindowFrame.newBuilder()
                            .setEventTimeUs(f.getEventTimeUs())
                            .setFrameIndex(f.getFrameIndex())
                            .setWidth(f.getWidth())
                            .setHeight(f.getHeight())
                            .setEncoding(f.getEncoding())
                            .setData(f.getData())
                            .build());
        }

        WindowAudio audio = w.hasAudio() ? audio(w) : null;

        TextEvent[] inWindow = w.texts.clone();
        Arrays.sort(inWindow, Comparator.comparingLong(TextEvent::getEventTimeUs));
        List<WindowText> texts = new ArrayList<>();
        boolean carried = false;
        if (inWindow.length > 0) {
            for (TextEvent t : inWindow) {
                texts.add(windowText(t));
            }
            TextEvent newest = inWindow[inWindow.length - 1];
            if (p.lastText == null || newest.getEventTimeUs() >= p.lastText.getEventTimeUs()) {
                p.lastText = newest;
            }
        } else if (p.lastText != null
                && textEnd(p.lastText) >= start - c.textTtlUs()
                && p.lastText.getEventTimeUs() < end) {
            texts.add(windowText(p.lastText));
            carried = true;
        }

        if (w.metadata != null
                && (p.lastMetadata == null
                        || w.metadata.getEventTimeUs() >= p.lastMetadata.getEventTimeUs())) {
            p.lastMetadata = w.metadata;
        }
        TextEvent meta =
                p.lastMetadata != null
                                && p.lastMetadata.getEventTimeUs() < end
                                && p.lastMetadata.getEventTimeUs() >= end - c.metadataTtlUs()
                        ? p.lastMetadata
                        : null;

        ModalityPresence presence =
                ModalityPresence.newBuilder()
                        .setVideo(!frames.isEmpty())
                        .setAudio(audio != null && audio.getCoverage() > 0)
                        .setText(!texts.isEmpty())
                        .setMetadata(meta != null)
                        .build();
        return AlignedWindow.newBuilder()
                .setStreamId(streamId)
                .setWindowStartUs(start)
                .setWindowEndUs(end)
                .setPresence(presence)
                .setFrames(frames)
                .setFramesSeen(w.framesSeen)
                .setAudio(audio)
                .setTexts(texts)
                .setTextCarriedOver(carried)
                .setMetadata(meta == null ? null : meta.getFeatures())
                .setMetadataTimeUs(meta == null ? 0 : meta.getEventTimeUs())
                .setAlignedAtUs(nowUs)
                .build();
    }

    private static WindowAudio audio(PendingWindow w) {
        w.upgradeAudio();
        int frames = w.audioF32le.length / 4 / w.channels;
        int[] cg = coverage(w.covered, frames);
        int covered = cg[0];
        int gaps = cg[1];
        // A copy: the emitted record must not share its bytes with the state's array.
        ByteBuffer bytes = ByteBuffer.wrap(w.audioF32le.clone()).order(ByteOrder.LITTLE_ENDIAN);
        return WindowAudio.newBuilder()
                .setSampleRate(w.sampleRate)
                .setChannels(w.channels)
                .setSamples(bytes)
                .setCoverage(frames == 0 ? 0f : (float) covered / frames)
                .setGaps(gaps)
                .build();
    }

    static long textEnd(TextEvent t) {
        long end = t.getEventTimeUs() + Math.max(0, t.getDurationUs());
        return end < t.getEventTimeUs() ? Long.MAX_VALUE : end;
    }

    private static WindowText windowText(TextEvent t) {
        return WindowText.newBuilder()
                .setEventTimeUs(t.getEventTimeUs())
                .setDurationUs(t.getDurationUs())
                .setKind(t.getKind())
                .setText(t.getText())
                .build();
    }
}
