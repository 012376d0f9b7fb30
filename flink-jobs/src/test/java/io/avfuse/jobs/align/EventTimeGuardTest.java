package io.avfuse.jobs.align;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.serde.AvroSerde;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.schemas.DeadLetter;
import io.avfuse.schemas.VideoFrame;
import java.util.List;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.util.OutputTag;
import org.junit.jupiter.api.Test;

class EventTimeGuardTest {
    private static final OutputTag<DeadLetter> REJECTED =
            new OutputTag<>("rejected", new AvroTypeInfo<>(DeadLetter.class));

    @Test
    void recordsStampedFarInTheFutureBecomeReplayableDeadLetters() throws Exception {
        RejectedRecords rejections = new RejectedRecords("v", "a", "t", WireFormat.SINGLE_OBJECT);
        try (var harness =
                new OneInputStreamOperatorTestHarness<>(
                        new ProcessOperator<>(
                                new EventTimeGuard(3_600_000_000L, REJECTED, rejections)))) {
            harness.open();
            long nowUs = System.currentTimeMillis() * 1000;
            VideoFrame ok = AlignFixtures.frame("a", 1);
            VideoFrame future = AlignFixtures.frame("a", 2);
            future.setEventTimeUs(nowUs + 7_200_000_000L); // two hours ahead
            harness.processElement(new StreamRecord<>(ModalityEvent.of(ok)));
            harness.processElement(new StreamRecord<>(ModalityEvent.of(future)));

            assertThat(harness.extractOutputValues()).extracting(e -> e.video).containsExactly(ok);
            List<DeadLetter> rejected =
                    harness.getSideOutput(REJECTED).stream().map(StreamRecord::getValue).toList();
            assertThat(rejected)
                    .singleElement()
                    .satisfies(
                            d -> {
                                assertThat(d.getSourceTopic()).isEqualTo("v");
                                assertThat(d.getStage()).isEqualTo("validate");
                                assertThat(d.getErrorMessage()).contains("ahead of the wall clock");
                                byte[] raw = new byte[d.getRawValue().remaining()];
                                d.getRawValue().duplicate().get(raw);
                                try {
                                    assertThat(
                                                    AvroSerde.of(
                                                                    RecordType.VIDEO_FRAME,
                                                                    WireFormat.SINGLE_OBJECT)
                                                            .decode(raw))
                                            .isEqualTo(future);
                                } catch (Exception e) {
                                    throw new AssertionError(e);
                                }
                            });
        }
    }
}
