package io.avfuse.connectors.serde;

import io.avfuse.schemas.AlignedWindow;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.DeadLetter;
import io.avfuse.schemas.Embedding;
import io.avfuse.schemas.Prediction;
import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.VideoFrame;
import java.io.Serializable;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Everything the connectors need to know about one avfuse record type: its class, its Kafka key and
 * the checks a decoded record must pass before the job may use it.
 *
 * <p>{@code RecordType<VideoFrame> t = RecordType.VIDEO_FRAME;}
 *
 * @param <T> the generated Avro class
 */
public final class RecordType<T extends SpecificRecord> implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Extracts the Kafka key; records of one stream share a key and so a partition. */
    @FunctionalInterface
    public interface KeyExtractor<T> extends Serializable {
        String keyOf(T record);
    }

    public static final RecordType<VideoFrame> VIDEO_FRAME =
            new RecordType<>(
                    VideoFrame.class, VideoFrame::getStreamId, RecordValidators::videoFrame);
    public static final RecordType<AudioChunk> AUDIO_CHUNK =
            new RecordType<>(
                    AudioChunk.class, AudioChunk::getStreamId, RecordValidators::audioChunk);
    public static final RecordType<TextEvent> TEXT_EVENT =
            new RecordType<>(TextEvent.class, TextEvent::getStreamId, RecordValidators::textEvent);
    public static final RecordType<Prediction> PREDICTION =
            new RecordType<>(Prediction.class, Prediction::getStreamId, RecordValidator.none());
    public static final RecordType<Embedding> EMBEDDING =
            new RecordType<>(Embedding.class, Embedding::getStreamId, RecordValidator.none());
    public static final RecordType<AlignedWindow> ALIGNED_WINDOW =
            new RecordType<>(
                    AlignedWindow.class, AlignedWindow::getStreamId, RecordValidator.none());
    public static final RecordType<DeadLetter> DEAD_LETTER =
            new RecordType<>(DeadLetter.class, DeadLetter::getSourceTopic, RecordValidator.none());

    /** Every avfuse record type, inputs first. */
    public static final List<RecordType<?>> ALL =
            List.of(
                    VIDEO_FRAME,
                    AUDIO_CHUNK,
                    TEXT_EVENT,
                    PREDICTION,
                    EMBEDDING,
                    ALIGNED_WINDOW,
                    DEAD_LETTER);

    private final Class<T> recordClass;
    private final KeyExtractor<T> key;
    private final RecordValidator<T> validator;

    private RecordType(Class<T> recordClass, KeyExtractor<T> key, RecordValidator<T> validator) {
        this.recordClass = recordClass;
        this.key = key;
        this.validator = validator;
    }

    public Class<T> recordClass() {
        return recordClass;
    }

    public Schema schema() {
        return SpecificData.get().getSchema(recordClass);
    }

    public String name() {
        return recordClass.getSimpleName();
    }

    public String keyOf(T record) {
        return key.keyOf(record);
    }

    public RecordValidator<T> validator() {
        return validator;
    }

    @Override
    public String toString() {
        return name();
    }
}
