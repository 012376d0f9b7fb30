package io.avfuse.connectors.ingest;

import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.FrameEncoding;
import io.avfuse.schemas.SampleFormat;
import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.VideoFrame;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.javacv.Frame;

/**
 * Ingests one input as one stream: decodes it, samples and encodes the video, cuts the audio into
 * contiguous chunks, merges in the text events, paces by the media clock and hands every record to
 * the sink. Event time is the anchor plus the media's own timestamps, so offsets between the audio
 * and video of the source survive; each {@code --loop} pass continues where the last one ended.
 *
 * <p>{@code new StreamIngest("cam", source, texts, settings, sink, stop).run(stats -> {})}
 */
public final class StreamIngest {
    private final String streamId;
    private final MediaSource source;
    private final List<TimedText> texts;
    private final IngestSettings settings;
    private final RecordSink sink;
    private final AtomicBoolean stop;
    private final IngestStats stats;
    private final Pacer pacer;
    private final int chunkFrames;

    private long frameIndex;
    private long chunkIndexBase;
    private float[] scratch = new float[8192];
    private byte[] packed = new byte[0];

    public StreamIngest(
            String streamId,
            MediaSource source,
            List<TimedText> texts,
            IngestSettings settings,
            RecordSink sink,
            AtomicBoolean stop) {
        this.streamId = streamId;
        this.source = source;
        this.texts = texts.stream().sorted(Comparator.comparingLong(TimedText::offsetUs)).toList();
        this.settings = settings;
        this.sink = sink;
        this.stop = stop;
        this.stats = new IngestStats(streamId, settings.sampleRate());
        this.pacer = settings.realTime() ? Pacer.realTime() : Pacer.fast();
        this.chunkFrames = AudioChunker.framesFor(settings.sampleRate(), settings.chunkMillis());
    }

    public IngestStats stats() {
        return stats;
    }

    /** Runs every pass; {@code progress} sees the stats a few times a second. */
    public IngestStats run(Consumer<IngestStats> progress) throws InterruptedException {
        try (JpegPool jpeg =
                new JpegPool(
                        settings.encodeThreads(), settings.jpegQscale(), settings.jpegHuffman())) {
            long offsetUs = 0;
            for (int pass = 0; settings.passes() == 0 || pass < settings.passes(); pass++) {
                if (pass > 0) {
                    source.rewind();
                }
                long endUs = runPass(offsetUs, jpeg, progress);
                if (stop.get() || endUs <= 0 || limitReached(offsetUs + endUs)) {
                    break;
                }
                offsetUs += endUs;
            }
            sink.flush();
        } finally {
            stats.finish();
        }
        progress.accept(stats);
        return stats;
    }

    private boolean limitReached(long mediaUs) {
        return settings.maxDurationUs() > 0 && mediaUs >= settings.maxDurationUs();
    }

    /** One pass over the input; returns the media time just after its last frame or sample. */
    private long runPass(long offsetUs, JpegPool jpeg, Consumer<IngestStats> progress)
            throws InterruptedException {
        FpsSampler sampler = FpsSampler.of(settings.fps());
        Deque<TimedText> pending = new ArrayDeque<>(texts);
        long frameUs = source.frameRate() > 0 ? Math.round(1e6 / source.frameRate()) : 0;
        long anchorUs = settings.anchorUs() + offsetUs;
        AudioChunker chunker = null;
        long endUs = 0;
        long lastProgress = 0;
        Frame frame;
        while (!stop.get() && (frame = source.grab()) != null) {
            long t = source.mediaTimeUs(frame);
            if (limitReached(offsetUs + t)) {
                break;
            }
            pacer.await(offsetUs + t);
            publishTextUpTo(pending, t, anchorUs);
            if (frame.image != null) {
                endUs = Math.max(endUs, t + frameUs);
                if (sampler.accept(t)) {
                    encodeVideo(frame, anchorUs + t, jpeg);
                    publishEncoded(2 * jpeg.threads());
                }
            } else if (frame.samples != null) {
                if (chunker == null) {
                    long base = chunkIndexBase;
                    chunker =
                            new AudioChunker(
                                    settings.sampleRate(),
                                    settings.channels(),
                                    chunkFrames,
                                    anchorUs + t,
                                    chunk -> publishAudio(chunk, base));
                }
                addSamples(chunker, frame);
                endUs = Math.max(endUs, chunker.endUs() - anchorUs);
            }
            long now = System.nanoTime();
            if (now - lastProgress > 200_000_000L) {
                lastProgress = now;
                progress.accept(stats);
            }
        }
        publishEncoded(0);
        if (chunker != null) {
            chunker.flush();
            chunkIndexBase += chunker.chunksEmitted();
        }
        // Only texts within the media actually ingested: a --duration limit or a stop ends the
        // pass early, and captions beyond its end would arrive with future event times.
        publishTextUpTo(pending, endUs, anchorUs);
        return endUs;
    }

    private void publishTextUpTo(Deque<TimedText> pending, long mediaUs, long anchorUs) {
        while (!pending.isEmpty() && pending.peekFirst().offsetUs() <= mediaUs) {
            TimedText t = pending.pollFirst();
            TextEvent event =
                    TextEvent.newBuilder()
                            .setStreamId(streamId)
                            .setEventTimeUs(anchorUs + t.offsetUs())
                            .setDurationUs(t.durationUs())
                            .setKind(t.kind())
                            .setText(t.text())
                            .setFeatures(t.features())
                            .build();
            sink.text(event);
            stats.text(t.text().length());
        }
    }

    /** A frame whose bytes may still be in the JPEG pool: published in decode order. */
    private record Encoding(long eventTimeUs, Future<byte[]> data) {}

    private final Deque<Encoding> encoding = new ArrayDeque<>();

    private void encodeVideo(Frame frame, long eventTimeUs, JpegPool jpeg) {
        Future<byte[]> data;
        if (settings.encoding() == FrameEncoding.JPEG) {
            data = jpeg.submit((AVFrame) frame.opaque, source.outputWidth(), source.outputHeight());
        } else {
            data =
                    CompletableFuture.completedFuture(
                            packRgb(
                                    (ByteBuffer) frame.image[0],
                                    frame.imageWidth,
                                    frame.imageHeight,
                                    frame.imageStride));
        }
        encoding.addLast(new Encoding(eventTimeUs, data));
    }

    /** Publishes finished frames in order, waiting while more than {@code backlog} are pending. */
    private void publishEncoded(int backlog) throws InterruptedException {
        while (!encoding.isEmpty()
                && (encoding.size() > backlog || encoding.peekFirst().data().isDone())) {
            Encoding next = encoding.pollFirst();
            byte[] data = JpegPool.await(next.data());
            VideoFrame record =
                    VideoFrame.newBuilder()
                            .setStreamId(streamId)
                            .setFrameIndex(frameIndex++)
                            .setEventTimeUs(next.eventTimeUs())
                            .setWidth(source.outputWidth())
                            .setHeight(source.outputHeight())
                            .setEncoding(settings.encoding())
                            .setData(ByteBuffer.wrap(data))
                            .build();
            sink.video(record);
            stats.frame(source.outputWidth(), source.outputHeight(), data.length);
        }
    }

    private static byte[] packRgb(ByteBuffer pixels, int w, int h, int stride) {
        byte[] rgb = new byte[w * h * 3];
        ByteBuffer view = pixels.duplicate();
        for (int y = 0; y < h; y++) {
            view.position(y * stride);
            view.get(rgb, y * w * 3, w * 3);
        }
        return rgb;
    }

    private void addSamples(AudioChunker chunker, Frame frame) {
        FloatBuffer samples = ((FloatBuffer) frame.samples[0]).duplicate();
        int count = samples.remaining();
        if (scratch.length < count) {
            scratch = new float[count];
        }
        samples.get(scratch, 0, count);
        chunker.accept(scratch, 0, count / settings.channels());
    }

    private void publishAudio(AudioChunker.Chunk chunk, long indexBase) {
        ByteBuffer bytes = encodeSamples(chunk.samples(), settings.sampleFormat());
        AudioChunk record =
                AudioChunk.newBuilder()
                        .setStreamId(streamId)
                        .setChunkIndex(indexBase + chunk.index())
                        .setStartTimeUs(chunk.startUs())
                        .setSampleRate(settings.sampleRate())
                        .setChannels(settings.channels())
                        .setSampleFormat(settings.sampleFormat())
                        .setSamples(bytes)
                        .build();
        sink.audio(record);
        stats.audio(chunk.frames(), bytes.remaining());
    }

    /** Interleaved little-endian samples; floats are clamped to [-1, 1] for S16LE. */
    static ByteBuffer encodeSamples(float[] samples, SampleFormat format) {
        if (format == SampleFormat.F32LE) {
            ByteBuffer out = ByteBuffer.allocate(samples.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float s : samples) {
                out.putFloat(Float.isFinite(s) ? s : 0f);
            }
            return out.flip();
        }
        ByteBuffer out = ByteBuffer.allocate(samples.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float s : samples) {
            float clamped = Float.isFinite(s) ? Math.max(-1f, Math.min(1f, s)) : 0f;
            out.putShort((short) Math.round(clamped * 32767f));
        }
        return out.flip();
    }
}
