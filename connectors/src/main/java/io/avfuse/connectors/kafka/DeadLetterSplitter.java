package io.avfuse.connectors.kafka;

import io.avfuse.connectors.serde.AvroLimits;
import io.avfuse.schemas.DeadLetter;
import java.io.Serializable;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Routes decoded records to the main output and dead letters to {@link #DEAD_LETTERS}.
 *
 * <p>{@code Split<VideoFrame> s = DeadLetterSplitter.split(env.fromSource(...), VideoFrame.class,
 * "video");}
 *
 * @param <T> the record type
 */
public final class DeadLetterSplitter<T> extends ProcessFunction<Either<DeadLetter, T>, T> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", new AvroTypeInfo<>(DeadLetter.class));

    /** The two streams a decoded source splits into. */
    public record Split<T>(DataStream<T> records, DataStream<DeadLetter> deadLetters) {}

    /**
     * Some of the dead letters, counted in a metric of the job's own (the source's deserializer can
     * only register metrics under its {@code deserializer} group).
     */
    public interface Counted extends Serializable {
        /** The counter, registered in the splitting operator's metric group. */
        Counter register(MetricGroup operatorMetrics);

        boolean counts(DeadLetter deadLetter);
    }

    private final Counted counted;
    private transient Counter counter;

    private DeadLetterSplitter(Counted counted) {
        this.counted = counted;
    }

    @Override
    public void open(OpenContext openContext) {
        // Flink's own Avro serializer copies and deserializes our records in this task: the
        // trust and size limits must be in force before the first one.
        AvroLimits.ensure();
        if (counted != null) {
            counter = counted.register(getRuntimeContext().getMetricGroup());
        }
    }

    @Override
    public void processElement(Either<DeadLetter, T> value, Context ctx, Collector<T> out) {
        if (value.isRight()) {
            out.collect(value.right());
        } else {
            if (counter != null && counted.counts(value.left())) {
                counter.inc();
            }
            ctx.output(DEAD_LETTERS, value.left());
        }
    }

    /** Splits {@code decoded}; the operator is named and given uid {@code split-<name>}. */
    public static <T extends SpecificRecordBase> Split<T> split(
            DataStream<Either<DeadLetter, T>> decoded, Class<T> recordClass, String name) {
        return split(decoded, recordClass, name, null);
    }

    /** The same, counting the dead letters {@code counted} selects (none when null). */
    public static <T extends SpecificRecordBase> Split<T> split(
            DataStream<Either<DeadLetter, T>> decoded,
            Class<T> recordClass,
            String name,
            Counted counted) {
        TypeInformation<T> type = new AvroTypeInfo<>(recordClass);
        SingleOutputStreamOperator<T> records =
                decoded.process(new DeadLetterSplitter<T>(counted), type)
                        .name("split-" + name)
                        .uid("split-" + name + "-v1")
                        // Chained to the source, also where it runs fewer subtasks than the job.
                        .setParallelism(decoded.getParallelism());
        return new Split<>(records, records.getSideOutput(DEAD_LETTERS));
    }
}
