package io.avfuse.jobs.align;

import io.avfuse.connectors.serde.AvroSerde;
import io.avfuse.connectors.serde.DeadLetters;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.schemas.DeadLetter;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;

/**
 * Dead letters for records the aligner rejects (late, or audio that does not fit its window): the
 * record is re-encoded in the input wire format so that it can be inspected and replayed like any
 * other dead letter. Partition and offset are no longer known there: -1. The raw value decodes to a
 * record equal to the one received, but need not be the bytes received: map entries (a text event's
 * features) come out in the decoder's {@code HashMap} order, not the producer's.
 */
public final class RejectedRecords implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String videoTopic;
    private final String audioTopic;
    private final String textTopic;
    private final WireFormat format;
    private transient AvroSerde<io.avfuse.schemas.VideoFrame> video;
    private transient AvroSerde<io.avfuse.schemas.AudioChunk> audio;
    private transient AvroSerde<io.avfuse.schemas.TextEvent> text;

    public RejectedRecords(String videoTopic, String audioTopic, String textTopic, WireFormat f) {
        this.videoTopic = videoTopic;
        this.audioTopic = audioTopic;
        this.textTopic = textTopic;
        this.format = f;
    }

    private static String errorName(String reason) {
        return reason.startsWith("audio chunk") ? "AudioFormatMismatch" : "LateRecord";
    }

    public DeadLetter deadLetter(ModalityEvent event, String stage, String reason) {
        String topic;
        byte[] raw;
        if (event.video != null) {
            video = video != null ? video : AvroSerde.of(RecordType.VIDEO_FRAME, format);
            topic = videoTopic;
            raw = video.encode(event.video);
        } else if (event.audio != null) {
            audio = audio != null ? audio : AvroSerde.of(RecordType.AUDIO_CHUNK, format);
            topic = audioTopic;
            raw = audio.encode(event.audio);
        } else {
            text = text != null ? text : AvroSerde.of(RecordType.TEXT_EVENT, format);
            topic = textTopic;
            raw = text.encode(event.text);
        }
        return DeadLetters.of(
                topic,
                -1,
                -1,
                event.eventTimeUs() / 1000,
                event.streamId().getBytes(StandardCharsets.UTF_8),
                raw,
                stage,
                "io.avfuse.jobs.align." + errorName(reason),
                reason);
    }
}
