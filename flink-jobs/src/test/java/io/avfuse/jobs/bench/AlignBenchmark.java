package io.avfuse.jobs.bench;

import io.avfuse.connectors.testing.TestRecords;
import io.avfuse.jobs.align.ModalityEvent;
import io.avfuse.jobs.job.AlignmentPipeline;
import io.avfuse.jobs.job.JobConfig;
import io.avfuse.jobs.job.JobOptions;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.DeadLetter;
import io.avfuse.schemas.FrameEncoding;
import io.avfuse.schemas.SampleFormat;
import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.TextKind;
import io.avfuse.schemas.VideoFrame;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.types.Either;

/**
 * P5: the alignment job against a passthrough job on the same generated records, alternated in one
 * run on a local MiniCluster (parallelism 1). Both read the same sources with the same watermarks,
 * decoding split and event-time guard and key by stream; the passthrough forwards each event where
 * the aligned job assembles windows. Prints records/s of each, the median over the repetitions, and
 * their ratio.
 *
 * <p>{@code ./mvnw -q -pl flink-jobs test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.avfuse.jobs.bench.AlignBenchmark -Dexec.args="200 20 5"}
 */
public final class AlignBenchmark {
    private static final long FRAME_US = 40_000;
    private static final long CHUNK_US = 20_000;

    public static void main(String[] args) throws Exception {
        int streams = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        long frames = (long) streams * seconds * 25;
        long chunks = (long) streams * seconds * 50;
        long texts = (long) streams * seconds;
        long records = frames + chunks + texts;
        System.out.printf(
                "P5 align vs passthrough: %d streams x %d s = %,d records (%,d frames of 2 KB,"
                        + " %,d audio chunks of 20 ms, %,d captions), parallelism 1%n",
                streams, seconds, records, frames, chunks, texts);

        run(false, streams, frames, chunks, texts); // warm-up: JIT, class loading
        run(true, streams, frames, chunks, texts);
        double[] pass = new double[repeats];
        double[] align = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            pass[r] = records / run(false, streams, frames, chunks, texts);
            align[r] = records / run(true, streams, frames, chunks, texts);
            System.out.printf(
                    "  run %d: passthrough %,.0f rec/s, align %,.0f rec/s, ratio %.2f%n",
                    r + 1, pass[r], align[r], align[r] / pass[r]);
        }
        double p = median(pass);
        double a = median(align);
        System.out.printf(
                "median: passthrough %,.0f rec/s, align %,.0f rec/s, align/passthrough %.2f"
                        + " (target >= 0.5)%n",
                p, a, a / p);
        System.out.printf(
                "RESULT|P5|align / passthrough rec/s (%d streams)|%.2f|>= 0.5|%.0f / %.0f rec/s%n",
                streams, a / p, a, p);
    }

    /** Seconds to push every record through one job. */
    private static double run(boolean align, int streams, long frames, long chunks, long texts)
            throws Exception {
        return run(align, JobConfig.defaults(), streams, frames, chunks, texts);
    }

    /** The same with {@code cfg}'s aligner settings (window, frames per window: CostBenchmark). */
    static double run(
            boolean align, JobConfig cfg, int streams, long frames, long chunks, long texts)
            throws Exception {
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        conf.set(PipelineOptions.OBJECT_REUSE, cfg.get(JobOptions.OBJECT_REUSE)); // as the jobs
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
        var video = source(new Frames(streams), frames, VideoFrame.class);
        var audio = source(new Chunks(streams), chunks, AudioChunk.class);
        var text = source(new Captions(streams), texts, TextEvent.class);
        if (align) {
            AlignmentPipeline.define(env, cfg, video, audio, text)
                    .windows()
                    .sinkTo(new DiscardingSink<>());
        } else {
            AlignmentPipeline.events(env, cfg, video, audio, text)
                    .events()
                    .keyBy(ModalityEvent::streamId)
                    .map(e -> e)
                    .returns(TypeInformation.of(ModalityEvent.class))
                    .sinkTo(new DiscardingSink<>());
        }
        long start = System.nanoTime();
        env.execute(align ? "bench-align" : "bench-passthrough");
        return (System.nanoTime() - start) / 1e9;
    }

    private static <T extends org.apache.avro.specific.SpecificRecordBase>
            DataGeneratorSource<Either<DeadLetter, T>> source(
                    GeneratorFunction<Long, Either<DeadLetter, T>> f, long count, Class<T> c) {
        return new DataGeneratorSource<>(
                f,
                count,
                new EitherTypeInfo<>(new AvroTypeInfo<>(DeadLetter.class), new AvroTypeInfo<>(c)));
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** Record i is frame i / streams of stream i % streams: streams interleaved, time ordered. */
    record Frames(int streams) implements GeneratorFunction<Long, Either<DeadLetter, VideoFrame>> {
        private static final ByteBuffer JPEG = ByteBuffer.wrap(new byte[2048]);

        @Override
        public Either<DeadLetter, VideoFrame> map(Long i) {
            return Either.Right(
                    VideoFrame.newBuilder()
                            .setStreamId("cam-" + (i % streams))
                            .setFrameIndex(i / streams)
                            .setEventTimeUs(TestRecords.T0_US + (i / streams) * FRAME_US)
                            .setWidth(64)
                            .setHeight(48)
                            .setEncoding(FrameEncoding.JPEG)
                            .setData(JPEG.duplicate())
                            .build());
        }
    }

    record Chunks(int streams) implements GeneratorFunction<Long, Either<DeadLetter, AudioChunk>> {
        private static final ByteBuffer SAMPLES = ByteBuffer.wrap(new byte[320 * 4]);

        @Override
        public Either<DeadLetter, AudioChunk> map(Long i) {
            return Either.Right(
                    AudioChunk.newBuilder()
                            .setStreamId("cam-" + (i % streams))
                            .setChunkIndex(i / streams)
                            .setStartTimeUs(TestRecords.T0_US + (i / streams) * CHUNK_US)
                            .setSampleRate(16_000)
                            .setChannels(1)
                            .setSampleFormat(SampleFormat.F32LE)
                            .setSamples(SAMPLES.duplicate())
                            .build());
        }
    }

    record Captions(int streams) implements GeneratorFunction<Long, Either<DeadLetter, TextEvent>> {
        @Override
        public Either<DeadLetter, TextEvent> map(Long i) {
            return Either.Right(
                    TextEvent.newBuilder()
                            .setStreamId("cam-" + (i % streams))
                            .setEventTimeUs(TestRecords.T0_US + (i / streams) * 1_000_000)
                            .setDurationUs(500_000)
                            .setKind(TextKind.CAPTION)
                            .setText("caption " + i)
                            .build());
        }
    }

    private AlignBenchmark() {}
}
