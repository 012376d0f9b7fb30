package io.avfuse.jobs.job;

import io.avfuse.connectors.kafka.DeadLetterSplitter;
import io.avfuse.jobs.align.AlignerOperator;
import io.avfuse.jobs.align.FutureRecordCounter;
import io.avfuse.jobs.align.Modality;
import io.avfuse.jobs.align.ModalityEvent;
import io.avfuse.jobs.align.RejectedRecords;
import io.avfuse.jobs.align.StreamAligner;
import io.avfuse.schemas.AlignedWindow;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.DeadLetter;
import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.VideoFrame;
import java.io.Serializable;
import java.time.Duration;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.eventtime.SerializableTimestampAssigner;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Either;

/**
 * The first half of every avfuse job: three decoded sources with per-modality watermarks, their
 * dead letters, and the per-stream aligner. Sources come in as parameters so that tests can pass
 * bounded ones; {@code main} builds the Kafka ones, which also dead-letter records stamped beyond
 * {@code watermarks.max-future} ({@link AlignJob#kafkaSources}): a source's dead letters never move
 * the watermark.
 *
 * <p>{@code Aligned a = AlignmentPipeline.define(env, config, videoSource, audioSource,
 * textSource);}
 */
public final class AlignmentPipeline {
    /** The three input sources pace each other in catch-up (Flink watermark alignment). */
    static final String ALIGNMENT_GROUP = "avfuse-inputs";

    /**
     * How often sources exchange watermarks for alignment. Flink 2.2 lets a source run at most
     * max-drift per update ahead, so 100 ms keeps a 10 s drift from capping a backlog below 100x.
     */
    static final Duration ALIGNMENT_UPDATE = Duration.ofMillis(100);

    private AlignmentPipeline() {}

    /** Aligned windows, and every dead letter of the stages so far (decode, validate, align). */
    public record Aligned(DataStream<AlignedWindow> windows, DataStream<DeadLetter> deadLetters) {}

    /**
     * The decoded input events of every modality (one stream), the dead letters so far, and the
     * converter for records rejected later.
     */
    public record Events(
            DataStream<ModalityEvent> events,
            DataStream<DeadLetter> deadLetters,
            RejectedRecords rejections) {}

    /** Extracts a record's event time in microseconds. */
    @FunctionalInterface
    interface EventTime<T> extends Serializable {
        long of(T record);
    }

    public static Aligned define(
            StreamExecutionEnvironment env,
            JobConfig config,
            Source<Either<DeadLetter, VideoFrame>, ?, ?> video,
            Source<Either<DeadLetter, AudioChunk>, ?, ?> audio,
            Source<Either<DeadLetter, TextEvent>, ?, ?> text) {
        Events in = events(env, config, video, audio, text);
        SingleOutputStreamOperator<AlignedWindow> windows =
                in.events()
                        .keyBy(ModalityEvent::streamId)
                        .transform(
                                "align",
                                new AvroTypeInfo<>(AlignedWindow.class),
                                new AlignerOperator(new StreamAligner(config.alignerConfig())))
                        .uid("align-v1");
        RejectedRecords rejections = in.rejections();
        DataStream<DeadLetter> late =
                windows.getSideOutput(StreamAligner.LATE)
                        .map(e -> rejections.deadLetter(e, "align", lateReason(e)))
                        .returns(new AvroTypeInfo<>(DeadLetter.class))
                        .name("late-to-deadletter")
                        .uid("late-to-deadletter-v1");
        DataStream<DeadLetter> badAudio =
                windows.getSideOutput(StreamAligner.REJECTED_AUDIO)
                        .map(e -> rejections.deadLetter(e, "align", audioReason(e)))
                        .returns(new AvroTypeInfo<>(DeadLetter.class))
                        .name("rejected-audio-to-deadletter")
                        .uid("rejected-audio-to-deadletter-v1");
        return new Aligned(windows, in.deadLetters().union(late, badAudio));
    }

    /** Sources, watermarks and decoding: everything before alignment. */
    public static Events events(
            StreamExecutionEnvironment env,
            JobConfig config,
            Source<Either<DeadLetter, VideoFrame>, ?, ?> video,
            Source<Either<DeadLetter, AudioChunk>, ?, ?> audio,
            Source<Either<DeadLetter, TextEvent>, ?, ?> text) {
        DeadLetterSplitter.Split<VideoFrame> v =
                decoded(
                        env,
                        config,
                        video,
                        VideoFrame.class,
                        Modality.VIDEO,
                        VideoFrame::getEventTimeUs);
        DeadLetterSplitter.Split<AudioChunk> a =
                decoded(
                        env,
                        config,
                        audio,
                        AudioChunk.class,
                        Modality.AUDIO,
                        AudioChunk::getStartTimeUs);
        DeadLetterSplitter.Split<TextEvent> t =
                decoded(
                        env,
                        config,
                        text,
                        TextEvent.class,
                        Modality.TEXT,
                        TextEvent::getEventTimeUs);

        TypeInformation<ModalityEvent> eventType = TypeInformation.of(ModalityEvent.class);
        DataStream<ModalityEvent> events =
                v.records()
                        .map(ModalityEvent::of)
                        .returns(eventType)
                        .name("video-events")
                        .setParallelism(v.records().getParallelism())
                        .uid("video-events-v1")
                        .union(
                                a.records()
                                        .map(ModalityEvent::of)
                                        .returns(eventType)
                                        .name("audio-events")
                                        .setParallelism(a.records().getParallelism())
                                        .uid("audio-events-v1"),
                                t.records()
                                        .map(ModalityEvent::of)
                                        .returns(eventType)
                                        .name("text-events")
                                        .setParallelism(t.records().getParallelism())
                                        .uid("text-events-v1"));

        RejectedRecords rejections =
                new RejectedRecords(
                        config.get(JobOptions.TOPIC_VIDEO),
                        config.get(JobOptions.TOPIC_AUDIO),
                        config.get(JobOptions.TOPIC_TEXT),
                        config.get(JobOptions.WIRE_FORMAT));
        // The stateless operator "event-time-guard-v1" that once stood here is gone: savepoints
        // that hold it restore without allowNonRestoredState (docs/reliability.md).
        DataStream<DeadLetter> deadLetters =
                v.deadLetters().union(a.deadLetters(), t.deadLetters());
        return new Events(events, deadLetters, rejections);
    }

    private static String audioReason(ModalityEvent e) {
        return "audio chunk of "
                + e.audio.getSampleRate()
                + " Hz x "
                + e.audio.getChannels()
                + " channels does not fit its window (rate or channels differ from the window's"
                + " audio, or the window buffer would exceed the size cap)";
    }

    private static String lateReason(ModalityEvent e) {
        return e.modality().label()
                + " record at "
                + e.eventTimeUs()
                + " µs arrived after every window it belongs to was complete";
    }

    private static <T extends SpecificRecordBase> DeadLetterSplitter.Split<T> decoded(
            StreamExecutionEnvironment env,
            JobConfig config,
            Source<Either<DeadLetter, T>, ?, ?> source,
            Class<T> recordClass,
            Modality modality,
            EventTime<T> eventTime) {
        String name = modality.label();
        SerializableTimestampAssigner<Either<DeadLetter, T>> assigner =
                (record, kafkaTs) -> {
                    // Dead letters, future-stamped records among them, must not move the watermark.
                    if (record.isLeft()) {
                        return Long.MIN_VALUE;
                    }
                    return Math.floorDiv(eventTime.of(record.right()), 1000);
                };
        WatermarkStrategy<Either<DeadLetter, T>> watermarks =
                new IdleAfterFirstRecordStrategy<>(
                        WatermarkStrategy.<Either<DeadLetter, T>>forBoundedOutOfOrderness(
                                        config.outOfOrderness(modality))
                                .withTimestampAssigner(assigner),
                        config.get(JobOptions.IDLENESS),
                        config.get(JobOptions.IDLENESS_STARTUP));
        Duration drift = config.get(JobOptions.MAX_DRIFT);
        if (!drift.isZero() && source.getBoundedness() == Boundedness.CONTINUOUS_UNBOUNDED) {
            watermarks =
                    watermarks.withWatermarkAlignment(ALIGNMENT_GROUP, drift, ALIGNMENT_UPDATE);
        }
        SingleOutputStreamOperator<Either<DeadLetter, T>> stream =
                env.fromSource(source, watermarks, name + "-source").uid(name + "-source-v1");
        config.sourceParallelism(modality).ifPresent(stream::setParallelism);
        return DeadLetterSplitter.split(
                stream, recordClass, name, new FutureRecordCounter(modality));
    }
}
