package io.avfuse.jobs.job;

import io.avfuse.connectors.kafka.DeadLetterSplitter;
import io.avfuse.jobs.align.AlignerOperator;
import io.avfuse.jobs.align.EventTimeGuard;
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
import org.apache.flink.util.OutputTag;

/**
 * The first half of every avfuse job: three decoded sources with per-modality watermarks, their
 * dead letters, and the per-stream aligner. Sources come in as parameters so that tests can pass
 * bounded ones; {@code main} builds the Kafka ones.
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
     * The decoded, time-guarded input events of every modality (one stream), the dead letters so
     * far, and the converter for records rejected later.
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

    /** Sources, watermarks, decoding and the event-time guard: everything before alignment. */
    public static Events events(
            StreamExecutionEnvironment env,
            JobConfig config,
            Source<Either<DeadLetter, VideoFrame>, ?, ?> video,
            Source<Either<DeadLetter, AudioChunk>, ?, ?> audio,
            Source<Either<DeadLetter, TextEvent>, ?, ?> text) {
        long maxFutureUs = config.get(JobOptions.MAX_FUTURE).toNanos() / 1000;
        DeadLetterSplitter.Split<VideoFrame> v =
                decoded(
                        env,
                        config,
                        video,
                        VideoFrame.class,
                        Modality.VIDEO,
                        VideoFrame::getEventTimeUs,
                        maxFutureUs);
        DeadLetterSplitter.Split<AudioChunk> a =
                decoded(
                        env,
                        config,
                        audio,
                        AudioChunk.class,
                        Modality.AUDIO,
                        AudioChunk::getStartTimeUs,
                        maxFutureUs);
        DeadLetterSplitter.Split<TextEvent> t =
                decoded(
                        env,
                        config,
                        text,
                        TextEvent.class,
                        Modality.TEXT,
                        TextEvent::getEventTimeUs,
                        maxFutureUs);

        OutputTag<DeadLetter> rejectedTag =
                new OutputTag<>("rejected", new AvroTypeInfo<>(DeadLetter.class));
        RejectedRecords rejections =
                new RejectedRecords(
                        config.get(JobOptions.TOPIC_VIDEO),
                        config.get(JobOptions.TOPIC_AUDIO),
                        config.get(JobOptions.TOPIC_TEXT),
                        config.get(JobOptions.WIRE_FORMAT));
        EventTimeGuard guard = new EventTimeGuard(maxFutureUs, rejectedTag, rejections);
        SingleOutputStreamOperator<ModalityEvent> videoEvents =
                guarded(v.records().map(ModalityEvent::of), Modality.VIDEO, guard);
        SingleOutputStreamOperator<ModalityEvent> audioEvents =
                guarded(a.records().map(ModalityEvent::of), Modality.AUDIO, guard);
        SingleOutputStreamOperator<ModalityEvent> textEvents =
                guarded(t.records().map(ModalityEvent::of), Modality.TEXT, guard);
        DataStream<DeadLetter> deadLetters =
                v.deadLetters()
                        .union(
                                a.deadLetters(),
                                t.deadLetters(),
                                videoEvents.getSideOutput(rejectedTag),
                                audioEvents.getSideOutput(rejectedTag),
                                textEvents.getSideOutput(rejectedTag));
        DataStream<ModalityEvent> guarded = videoEvents.union(audioEvents, textEvents);
        return new Events(guarded, deadLetters, rejections);
    }

    /**
     * One source's records as events, past the event-time guard. The guard runs in each source's
     * chain rather than once behind their union: a task of its own cost every record one more
     * serialization and network hop on the way to the aligner's keyBy (docs/benchmarks.md, "third
     * round").
     */
    private static SingleOutputStreamOperator<ModalityEvent> guarded(
            SingleOutputStreamOperator<ModalityEvent> events,
            Modality modality,
            EventTimeGuard guard) {
        TypeInformation<ModalityEvent> eventType = TypeInformation.of(ModalityEvent.class);
        String name = modality.label();
        return events.returns(eventType)
                .name(name + "-events")
                .uid(name + "-events-v1")
                .process(guard, eventType)
                .name(name + "-time-guard")
                .uid(name + "-time-guard-v1");
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
            EventTime<T> eventTime,
            long maxFutureUs) {
        String name = modality.label();
        SerializableTimestampAssigner<Either<DeadLetter, T>> assigner =
                (record, kafkaTs) -> {
                    // Dead letters and future-stamped records must not move the watermark.
                    if (record.isLeft()) {
                        return Long.MIN_VALUE;
                    }
                    long us = eventTime.of(record.right());
                    return EventTimeGuard.acceptable(us, maxFutureUs)
                            ? Math.floorDiv(us, 1000)
                            : Long.MIN_VALUE;
                };
        WatermarkStrategy<Either<DeadLetter, T>> watermarks =
                WatermarkStrategy.<Either<DeadLetter, T>>forBoundedOutOfOrderness(
                                config.outOfOrderness(modality))
                        .withTimestampAssigner(assigner)
                        .withIdleness(config.get(JobOptions.IDLENESS));
        Duration drift = config.get(JobOptions.MAX_DRIFT);
        if (!drift.isZero() && source.getBoundedness() == Boundedness.CONTINUOUS_UNBOUNDED) {
            watermarks =
                    watermarks.withWatermarkAlignment(ALIGNMENT_GROUP, drift, ALIGNMENT_UPDATE);
        }
        DataStream<Either<DeadLetter, T>> stream =
                env.fromSource(source, watermarks, name + "-source").uid(name + "-source-v1");
        return DeadLetterSplitter.split(stream, recordClass, name);
    }
}
