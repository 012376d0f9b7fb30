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
 * Everything the connectors need to know about one avfuse record type: its class, its Kafka key,
 * its event time (input types) and the checks a decoded record must pass before the job may use it.
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

    /** Extracts the event time in microseconds since the epoch. */
    @FunctionalInterface
    public interface EventTimeExtractor<T> extends Serializable {
        long eventTimeUs(T record);
    }

    public static final RecordType<VideoFrame> VIDEO_FRAME =
            new RecordType<>(
                    VideoFrame.class,
                    VideoFrame::getStreamId,
                    VideoFrame::getEventTimeUs,
                    RecordValidators::videoFrame);
    public static final RecordType<AudioChunk> AUDIO_CHUNK =
            new RecordType<>(
                    AudioChunk.class,
                    AudioChunk::getStreamId,
                    AudioChunk::getStartTimeUs,
                    RecordValidators::audioChunk);
    public static final RecordType<TextEvent> TEXT_EVENT =
            new RecordType<>(
                    TextEvent.class,
                    TextEvent::getStreamId,
                    TextEvent::getEventTimeUs,
                    RecordValidators::textEvent);
    public static final RecordType<Prediction> PREDICTION =
            new RecordType<>(
                    Prediction.class, Prediction::getStreamId, null, RecordValidator.none());
    public static final RecordType<Embedding> EMBEDDING =
            new RecordType<>(Embedding.class, Embedding::getStreamId, null, RecordValidator.none());
    public static final RecordType<AlignedWindow> ALIGNED_WINDOW =
            new RecordType<>(
                    AlignedWindow.class, AlignedWindow::getStreamId, null, RecordValidator.none());
    public static final RecordType<DeadLetter> DEAD_LETTER =
            new RecordType<>(
                    DeadLetter.class, DeadLetter::getSourceTopic, null, RecordValidator.none());

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
    private final EventTimeExtractor<T> eventTime;
    private final RecordValidator<T> validator;

    private RecordType(
            Class<T> recordClass,
            KeyExtractor<T> key,
            EventTimeExtractor<T> eventTime,
            RecordValidator<T> validator) {
        this.recordClass = recordClass;
        this.key = key;
        this.eventTime = eventTime;
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

    /** Whether records of this type carry one event time (the input types). */
    public boolean hasEventTime() {
        return eventTime != null;
    }

    /** The record's event time, µs since the epoch; only for types that {@link #hasEventTime}. */
    public long eventTimeUs(T record) {
        if (eventTime == null) {
            throw new UnsupportedOperationException(name() + " has no single event time");
        }
        return eventTime.eventTimeUs(record);
    }

    public RecordValidator<T> validator() {
        return validator;
    }

    @Override
    public String toString() {
        return name();
    }
}
