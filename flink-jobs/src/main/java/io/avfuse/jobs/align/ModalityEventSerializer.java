package io.avfuse.jobs.align;

import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.VideoFrame;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.CompositeTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.formats.avro.typeutils.AvroSerializer;

/**
 * Writes a {@link ModalityEvent} as one tag byte and its one Avro record. Flink's POJO serializer,
 * used before, created a {@code ModalityEvent} and an empty record of each of the three Avro types
 * (reflectively) for every record it read, then overwrote two of them with null, on every hop
 * between tasks (into the aligner's keyBy, for one).
 */
public final class ModalityEventSerializer extends TypeSerializer<ModalityEvent> {
    private static final long serialVersionUID = 1L;

    private static final byte VIDEO = 0;
    private static final byte AUDIO = 1;
    private static final byte TEXT = 2;

    private final TypeSerializer<VideoFrame> video;
    private final TypeSerializer<AudioChunk> audio;
    private final TypeSerializer<TextEvent> text;

    public ModalityEventSerializer() {
        this(
                new AvroSerializer<>(VideoFrame.class),
                new AvroSerializer<>(AudioChunk.class),
                new AvroSerializer<>(TextEvent.class));
    }

    ModalityEventSerializer(
            TypeSerializer<VideoFrame> video,
            TypeSerializer<AudioChunk> audio,
            TypeSerializer<TextEvent> text) {
        this.video = video;
        this.audio = audio;
        this.text = text;
    }

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<ModalityEvent> duplicate() {
        // The Avro serializers keep encoder state: every thread needs its own.
        return new ModalityEventSerializer(video.duplicate(), audio.duplicate(), text.duplicate());
    }

    @Override
    public ModalityEvent createInstance() {
        return new ModalityEvent();
    }

    @Override
    public ModalityEvent copy(ModalityEvent from) {
        if (from.video != null) {
            return ModalityEvent.of(video.copy(from.video));
        }
        if (from.audio != null) {
            return ModalityEvent.of(audio.copy(from.audio));
        }
        return ModalityEvent.of(text.copy(from.text));
    }

    @Override
    public ModalityEvent copy(ModalityEvent from, ModalityEvent reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(ModalityEvent e, DataOutputView out) throws IOException {
        if (e.video != null) {
            out.writeByte(VIDEO);
            video.serialize(e.video, out);
        } else if (e.audio != null) {
            out.writeByte(AUDIO);
            audio.serialize(e.audio, out);
        } else {
            out.writeByte(TEXT);
            text.serialize(e.text, out);
        }
    }

    @Override
    public ModalityEvent deserialize(DataInputView in) throws IOException {
        byte tag = in.readByte();
        return switch (tag) {
            case VIDEO -> ModalityEvent.of(video.deserialize(in));
            case AUDIO -> ModalityEvent.of(audio.deserialize(in));
            case TEXT -> ModalityEvent.of(text.deserialize(in));
            default -> throw new IOException("not a ModalityEvent: tag " + tag);
        };
    }

    @Override
    public ModalityEvent deserialize(ModalityEvent reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModalityEventSerializer s
                && video.equals(s.video)
                && audio.equals(s.audio)
                && text.equals(s.text);
    }

    @Override
    public int hashCode() {
        return (31 * video.hashCode() + audio.hashCode()) * 31 + text.hashCode();
    }

    @Override
    public TypeSerializerSnapshot<ModalityEvent> snapshotConfiguration() {
        return new Snapshot(this);
    }

    /** The three Avro schemas, as nested snapshots. */
    public static final class Snapshot
            extends CompositeTypeSerializerSnapshot<ModalityEvent, ModalityEventSerializer> {
        private static final int VERSION = 1;

        public Snapshot() {}

        Snapshot(ModalityEventSerializer serializer) {
            super(serializer);
        }

        @Override
        protected int getCurrentOuterSnapshotVersion() {
            return VERSION;
        }

        @Override
        protected TypeSerializer<?>[] getNestedSerializers(ModalityEventSerializer s) {
            return new TypeSerializer<?>[] {s.video, s.audio, s.text};
        }

        @Override
        @SuppressWarnings("unchecked")
        protected ModalityEventSerializer createOuterSerializerWithNestedSerializers(
                TypeSerializer<?>[] nested) {
            return new ModalityEventSerializer(
                    (TypeSerializer<VideoFrame>) nested[0],
                    (TypeSerializer<AudioChunk>) nested[1],
                    (TypeSerializer<TextEvent>) nested[2]);
        }
    }
}
