package io.avfuse.jobs.align;

import io.avfuse.connectors.serde.AvroSerde;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.connectors.testing.TestRecords;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.FrameEncoding;
import io.avfuse.schemas.SampleFormat;
import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.TextKind;
import io.avfuse.schemas.VideoFrame;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Streams with known timestamps: 25 fps video, 20 ms chunks of 16 kHz mono audio. */
public final class AlignFixtures {
    public static final long T0 = TestRecords.T0_US;
    public static final int RATE = 16_000;
    public static final int CHUNK_FRAMES = 320;
    public static final long FRAME_US = 40_000;
    public static final long CHUNK_US = 20_000;

    private AlignFixtures() {}

    public static VideoFrame frame(String stream, long index) {
        return VideoFrame.newBuilder()
                .setStreamId(stream)
                .setFrameIndex(index)
                .setEventTimeUs(T0 + index * FRAME_US)
                .setWidth(2)
                .setHeight(1)
                .setEncoding(FrameEncoding.GRAY8)
                .setData(ByteBuffer.wrap(new byte[] {(byte) index, (byte) (index >> 8)}))
                .build();
    }

    /** Sample value of frame n of a stream's audio: its own index, so positions can be checked. */
    public static float sampleValue(long n) {
        return (n % 30_000) / 30_000f;
    }

    public static AudioChunk chunk(String stream, long index) {
        ByteBuffer b = ByteBuffer.allocate(CHUNK_FRAMES * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < CHUNK_FRAMES; i++) {
            b.putFloat(sampleValue(index * CHUNK_FRAMES + i));
        }
        b.flip();
        return AudioChunk.newBuilder()
                .setStreamId(stream)
                .setChunkIndex(index)
                .setStartTimeUs(T0 + index * CHUNK_US)
                .setSampleRate(RATE)
                .setChannels(1)
                .setSampleFormat(SampleFormat.F32LE)
                .setSamples(b)
                .build();
    }

    public static TextEvent caption(String stream, long atUs, long durationUs, String text) {
        return TextEvent.newBuilder()
                .setStreamId(stream)
                .setEventTimeUs(T0 + atUs)
                .setDurationUs(durationUs)
                .setKind(TextKind.CAPTION)
                .setText(text)
                .build();
    }

    public static TextEvent metadata(String stream, long atUs, double value) {
        return TextEvent.newBuilder()
                .setStreamId(stream)
                .setEventTimeUs(T0 + atUs)
                .setKind(TextKind.METADATA)
                .setText("")
                .setFeatures(Map.of("speed", value))
                .build();
    }

    /** Video and audio of {@code stream} covering [fromUs, toUs) after T0, in time order. */
    public static List<ModalityEvent> av(String stream, long fromUs, long toUs) {
        List<ModalityEvent> events = new ArrayList<>();
        for (long f = fromUs / FRAME_US; f * FRAME_US < toUs; f++) {
            events.add(ModalityEvent.of(frame(stream, f)));
        }
        for (long c = fromUs / CHUNK_US; c * CHUNK_US < toUs; c++) {
            events.add(ModalityEvent.of(chunk(stream, c)));
        }
        events.sort(Comparator.comparingLong(ModalityEvent::eventTimeUs));
        return events;
    }

    /**
     * A pending window of {@code stream}'s first second as the aligner holds it: 25 frames, 50
     * audio chunks, a caption and a metadata record.
     */
    public static PendingWindow pendingWindow(String stream) {
        PendingWindow w = new PendingWindow(T0);
        for (int f = 0; f < 25; f++) {
            w.addFrame(frame(stream, f), 64);
        }
        for (int c = 0; c < 50; c++) {
            WindowAssembler.placeAudio(w, chunk(stream, c), 1_000_000);
        }
        w.addText(caption(stream, 200_000, 300_000, "hi"), 64);
        w.offerMetadata(metadata(stream, 100_000, 1.0));
        return w;
    }

    /** Flink watermark (ms) for {@code usAfterT0}. */
    public static long wm(long usAfterT0) {
        return (T0 + usAfterT0) / 1000;
    }

    /**
     * {@code events} as Kafka records of their topics, keyed by stream id, single-object encoded,
     * in event-time order.
     */
    public static List<ProducerRecord<byte[], byte[]>> records(
            List<ModalityEvent> events, String videoTopic, String audioTopic, String textTopic) {
        var vs = AvroSerde.of(RecordType.VIDEO_FRAME, WireFormat.SINGLE_OBJECT);
        var as = AvroSerde.of(RecordType.AUDIO_CHUNK, WireFormat.SINGLE_OBJECT);
        var ts = AvroSerde.of(RecordType.TEXT_EVENT, WireFormat.SINGLE_OBJECT);
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        List<ModalityEvent> sorted = new ArrayList<>(events);
        sorted.sort(Comparator.comparingLong(ModalityEvent::eventTimeUs));
        for (ModalityEvent e : sorted) {
            byte[] key = e.streamId().getBytes(StandardCharsets.UTF_8);
            out.add(
                    e.video != null
                            ? new ProducerRecord<>(videoTopic, key, vs.encode(e.video))
                            : e.audio != null
                                    ? new ProducerRecord<>(audioTopic, key, as.encode(e.audio))
                                    : new ProducerRecord<>(textTopic, key, ts.encode(e.text)));
        }
        return out;
    }
}
