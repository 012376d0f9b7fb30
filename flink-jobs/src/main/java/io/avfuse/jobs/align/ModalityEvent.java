package io.avfuse.jobs.align;

import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.VideoFrame;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * One input record of any modality, so the three input streams can be unioned and keyed by stream
 * id. Exactly one field is set; Flink serializes it with {@link ModalityEventSerializer}.
 */
@TypeInfo(ModalityEventTypeInfo.Factory.class)
public class ModalityEvent {
    static {
        io.avfuse.connectors.serde.AvroLimits.ensure(); // deserialized wherever it travels
    }

    public VideoFrame video;
    public AudioChunk audio;
    public TextEvent text;

    public ModalityEvent() {}

    public static ModalityEvent of(VideoFrame frame) {
        ModalityEvent e = new ModalityEvent();
        e.video = frame;
        return e;
    }

    public static ModalityEvent of(AudioChunk chunk) {
        ModalityEvent e = new ModalityEvent();
        e.audio = chunk;
        return e;
    }

    public static ModalityEvent of(TextEvent event) {
        ModalityEvent e = new ModalityEvent();
        e.text = event;
        return e;
    }

    public Modality modality() {
        if (video != null) {
            return Modality.VIDEO;
        }
        if (audio != null) {
            return Modality.AUDIO;
        }
        return Modality.of(text);
    }

    public String streamId() {
        if (video != null) {
            return video.getStreamId();
        }
        return audio != null ? audio.getStreamId() : text.getStreamId();
    }

    /** Event time of the record's first instant, microseconds since the epoch. */
    public long eventTimeUs() {
        if (video != null) {
            return video.getEventTimeUs();
        }
        return audio != null ? audio.getStartTimeUs() : text.getEventTimeUs();
    }

    /**
     * The bytes of content this record brings: frame data, audio samples, UTF-8 text, 8 per
     * metadata feature.
     */
    public long payloadBytes() {
        if (video != null) {
            return video.getData().remaining();
        }
        if (audio != null) {
            return audio.getSamples().remaining();
        }
        long bytes = text.getText().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        return bytes + (text.getFeatures() == null ? 0 : 8L * text.getFeatures().size());
    }

    @Override
    public String toString() {
        return modality().label() + "@" + eventTimeUs() + "[" + streamId() + "]";
    }
}
