package io.avfuse.jobs.align;

import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.VideoFrame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.flink.api.common.typeutils.CompositeTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.formats.avro.typeutils.AvroSerializer;

/**
 * The aligner's state serializer for {@link PendingWindow}: the same content as Flink's POJO
 * serializer wrote before, but a cheap {@link #copy}. The heap state backend copies a stream's
 * whole map of pending windows on its first access after every checkpoint (copy-on-write); the POJO
 * serializer deep-copied every frame and caption there through Avro's reflective {@code deepCopy}.
 * The aligner never changes a {@link VideoFrame} or {@link TextEvent} once it holds it, so a copy
 * shares them and clones only the arrays the aligner writes into (frames, texts, audio, coverage).
 *
 * <p>State written by the POJO serializer (avfuse before this class) is restored with that
 * serializer and written in this one from the next checkpoint on: see {@link Snapshot}.
 *
 * <p>{@code new MapStateDescriptor<>("pending-windows", LongSerializer.INSTANCE, new
 * PendingWindowSerializer())}
 */
public final class PendingWindowSerializer extends TypeSerializer<PendingWindow> {
    private static final long serialVersionUID = 1L;

    /** A 1 s window at 16 kHz holds 64 KB of audio. */
    private static final int STAGING_BYTES = 80 * 1024;

    private final TypeSerializer<VideoFrame> frames;
    private final TypeSerializer<TextEvent> texts;

    /** One window's bytes before they go to a stream; this instance's thread only. */
    private transient DataOutputSerializer staging;

    public PendingWindowSerializer() {
        this(new AvroSerializer<>(VideoFrame.class), new AvroSerializer<>(TextEvent.class));
    }

    PendingWindowSerializer(TypeSerializer<VideoFrame> frames, TypeSerializer<TextEvent> texts) {
        this.frames = frames;
        this.texts = texts;
    }

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<PendingWindow> duplicate() {
        // The Avro serializers and the staging buffer keep state: every thread needs its own.
        return new PendingWindowSerializer(frames.duplicate(), texts.duplicate());
    }

    @Override
    public PendingWindow createInstance() {
        return new PendingWindow();
    }

    @Override
    public PendingWindow copy(PendingWindow from) {
        PendingWindow c = new PendingWindow(from.startUs);
        c.frames = from.frames.clone();
        c.framesSeen = from.framesSeen;
        c.framesEvicted = from.framesEvicted;
        c.sampleRate = from.sampleRate;
        c.channels = from.channels;
        c.audioF32le = from.audioF32le == null ? null : from.audioF32le.clone();
        c.audio = from.audio == null ? null : from.audio.clone();
        c.covered = from.covered == null ? null : from.covered.clone();
        c.texts = from.texts.clone();
        c.textsEvicted = from.textsEvicted;
        c.metadata = from.metadata;
        return c;
    }

    @Override
    public PendingWindow copy(PendingWindow from, PendingWindow reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(PendingWindow w, DataOutputView out) throws IOException {
        if (out instanceof DataOutputSerializer memory) {
            write(w, memory);
            return;
        }
        // A checkpoint stream takes every writeInt and every field Avro writes byte by byte
        // through DataOutputStream: staged in memory, a window goes in one bulk write.
        if (staging == null) {
            staging = new DataOutputSerializer(STAGING_BYTES);
        }
        staging.clear();
        write(w, staging);
        out.write(staging.getSharedBuffer(), 0, staging.length());
    }

    private void write(PendingWindow w, DataOutputView out) throws IOException {
        out.writeLong(w.startUs);
        out.writeInt(w.framesSeen);
        out.writeInt(w.framesEvicted);
        out.writeInt(w.frames.length);
        for (VideoFrame f : w.frames) {
            frames.serialize(f, out);
        }
        out.writeInt(w.sampleRate);
        out.writeInt(w.channels);
        byte[] audio = w.audioF32le != null ? w.audioF32le : f32le(w.audio);
        writeBytes(audio, out);
        if (w.covered == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(w.covered.length);
            for (long word : w.covered) {
                out.writeLong(word);
            }
        }
        out.writeInt(w.texts.length);
        for (TextEvent t : w.texts) {
            texts.serialize(t, out);
        }
        out.writeInt(w.textsEvicted);
        out.writeBoolean(w.metadata != null);
        if (w.metadata != null) {
            texts.serialize(w.metadata, out);
        }
    }

    @Override
    public PendingWindow deserialize(DataInputView in) throws IOException {
        PendingWindow w = new PendingWindow(in.readLong());
        w.framesSeen = in.readInt();
        w.framesEvicted = in.readInt();
        w.frames = new VideoFrame[in.readInt()];
        for (int i = 0; i < w.frames.length; i++) {
            w.frames[i] = frames.deserialize(in);
        }
        w.sampleRate = in.readInt();
        w.channels = in.readInt();
        w.audioF32le = readBytes(in);
        int words = in.readInt();
        if (words >= 0) {
            w.covered = new long[words];
            for (int i = 0; i < words; i++) {
                w.covered[i] = in.readLong();
            }
        }
        w.texts = new TextEvent[in.readInt()];
        for (int i = 0; i < w.texts.length; i++) {
            w.texts[i] = texts.deserialize(in);
        }
        w.textsEvicted = in.readInt();
        if (in.readBoolean()) {
            w.metadata = texts.deserialize(in);
        }
        return w;
    }

    @Override
    public PendingWindow deserialize(PendingWindow reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    /** Audio restored in the float layout, as the bytes this serializer writes (not moved). */
    private static byte[] f32le(float[] audio) {
        if (audio == null) {
            return null;
        }
        byte[] bytes = new byte[audio.length * 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(audio);
        return bytes;
    }

    private static void writeBytes(byte[] bytes, DataOutputView out) throws IOException {
        if (bytes == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(bytes.length);
        out.write(bytes); // one bulk copy: 64 KB per window of 1 s at 16 kHz
    }

    private static byte[] readBytes(DataInputView in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        byte[] bytes = new byte[n];
        in.readFully(bytes);
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PendingWindowSerializer s
                && frames.equals(s.frames)
                && texts.equals(s.texts);
    }

    @Override
    public int hashCode() {
        return 31 * frames.hashCode() + texts.hashCode();
    }

    @Override
    public TypeSerializerSnapshot<PendingWindow> snapshotConfiguration() {
        return new Snapshot(this);
    }

    /**
     * Written into every checkpoint with the state: the Avro schemas of frames and captions (as
     * nested snapshots, so their evolution follows Avro's rules) and this layout's version.
     */
    public static final class Snapshot
            extends CompositeTypeSerializerSnapshot<PendingWindow, PendingWindowSerializer> {
        private static final int VERSION = 1;

        public Snapshot() {}

        Snapshot(PendingWindowSerializer serializer) {
            super(serializer);
        }

        @Override
        public TypeSerializerSchemaCompatibility<PendingWindow> resolveSchemaCompatibility(
                TypeSerializerSnapshot<PendingWindow> old) {
            if (old instanceof PojoSerializerSnapshot) {
                // Written by Flink's POJO serializer (avfuse before this class): Flink reads it
                // with that serializer and rewrites it in this one (the heap backend at the next
                // checkpoint, RocksDB at restore).
                return TypeSerializerSchemaCompatibility.compatibleAfterMigration();
            }
            return super.resolveSchemaCompatibility(old);
        }

        @Override
        protected int getCurrentOuterSnapshotVersion() {
            return VERSION;
        }

        @Override
        protected TypeSerializer<?>[] getNestedSerializers(PendingWindowSerializer s) {
            return new TypeSerializer<?>[] {s.frames, s.texts};
        }

        @Override
        @SuppressWarnings("unchecked")
        protected PendingWindowSerializer createOuterSerializerWithNestedSerializers(
                TypeSerializer<?>[] nested) {
            return new PendingWindowSerializer(
                    (TypeSerializer<VideoFrame>) nested[0], (TypeSerializer<TextEvent>) nested[1]);
        }
    }
}
