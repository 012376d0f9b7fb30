package io.avfuse.jobs.align;

import static io.avfuse.jobs.align.AlignFixtures.T0;
import static io.avfuse.jobs.align.AlignFixtures.av;
import static io.avfuse.jobs.align.AlignFixtures.caption;
import static io.avfuse.jobs.align.AlignFixtures.chunk;
import static io.avfuse.jobs.align.AlignFixtures.frame;
import static io.avfuse.jobs.align.AlignFixtures.metadata;
import static io.avfuse.jobs.align.AlignFixtures.wm;
import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.schemas.AlignedWindow;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The aligner's state serializer: what it writes comes back whole, its copies are independent where
 * the aligner writes, and state written in the POJO layout of earlier versions is restored.
 */
class PendingWindowSerializerTest {
    private static final long WINDOW_US = 1_000_000;

    @Test
    void aWindowComesBackWithEverythingItHeld() throws Exception {
        PendingWindow w = AlignFixtures.pendingWindow("a");
        PendingWindow back = roundTrip(new PendingWindowSerializer(), w);

        assertThat(back.startUs).isEqualTo(w.startUs);
        assertThat(back.frames).hasSize(25).containsExactly(w.frames);
        assertThat(back.framesSeen).isEqualTo(w.framesSeen);
        assertThat(back.framesEvicted).isEqualTo(w.framesEvicted);
        assertThat(back.sampleRate).isEqualTo(16_000);
        assertThat(back.channels).isEqualTo(1);
        assertThat(back.audioF32le).containsExactly(w.audioF32le);
        assertThat(back.covered).containsExactly(w.covered);
        assertThat(back.texts).hasSize(1).containsExactly(w.texts);
        assertThat(back.textsEvicted).isEqualTo(w.textsEvicted);
        assertThat(back.metadata).isEqualTo(w.metadata).isNotNull();
        assertThat(back.audioF32le).hasSize(16_000 * 4);
    }

    @Test
    void aCheckpointStreamGetsTheSameBytesAsMemory() throws Exception {
        PendingWindowSerializer serializer = new PendingWindowSerializer();
        PendingWindow w = AlignFixtures.pendingWindow("a");
        DataOutputSerializer memory = new DataOutputSerializer(1024);
        serializer.serialize(w, memory);
        java.io.ByteArrayOutputStream stream = new java.io.ByteArrayOutputStream();
        var view = new org.apache.flink.core.memory.DataOutputViewStreamWrapper(stream);
        serializer.serialize(w, view);
        serializer.serialize(w, view); // the staging buffer starts over for each window

        byte[] once = memory.getCopyOfBuffer();
        byte[] twice = stream.toByteArray();
        assertThat(twice).hasSize(2 * once.length);
        assertThat(java.util.Arrays.copyOfRange(twice, 0, once.length)).isEqualTo(once);
        assertThat(java.util.Arrays.copyOfRange(twice, once.length, twice.length)).isEqualTo(once);
    }

    @Test
    void audioRestoredInTheFloatLayoutIsWrittenAsBytes() throws Exception {
        PendingWindow w = new PendingWindow(T0);
        w.sampleRate = 16_000;
        w.channels = 1;
        w.audio = new float[] {0.5f, -0.25f, 1f};
        w.covered = new long[] {7L};

        PendingWindow back = roundTrip(new PendingWindowSerializer(), w);

        assertThat(w.audio).isNotNull(); // serializing moves nothing in the live window
        assertThat(back.audio).isNull();
        PendingWindow expected = new PendingWindow(T0);
        expected.audio = w.audio.clone();
        expected.upgradeAudio();
        assertThat(back.audioF32le).containsExactly(expected.audioF32le);
    }

    @Test
    void aCopySharesNothingTheAlignerWritesInto() {
        PendingWindow w = AlignFixtures.pendingWindow("a");
        byte[] audioBefore = w.audioF32le.clone();
        long[] coveredBefore = w.covered.clone();
        int framesBefore = w.frames.length;

        PendingWindow copy = new PendingWindowSerializer().copy(w);
        copy.addFrame(frame("a", 30), 64);
        copy.addText(caption("a", 900_000, 50_000, "later"), 64);
        WindowAssembler.placeAudio(copy, loudChunk(), WINDOW_US);

        assertThat(w.frames).hasSize(framesBefore);
        assertThat(w.texts).hasSize(1);
        assertThat(w.audioF32le).containsExactly(audioBefore);
        assertThat(w.covered).containsExactly(coveredBefore);
        assertThat(copy.audioF32le).isNotEqualTo(audioBefore);
    }

    @Test
    void stateOfThePojoLayoutIsRestoredAndWrittenInTheNewOne() throws Exception {
        List<ModalityEvent> events = new ArrayList<>(av("a", 0, 2_500_000));
        events.add(ModalityEvent.of(caption("a", 1_200_000, 300_000, "hello")));
        events.add(ModalityEvent.of(metadata("a", 1_500_000, 2.5)));

        var legacy = harness(new PojoLayoutAligner(AlignerConfig.defaults()));
        legacy.open();
        send(legacy, events);
        OperatorSubtaskState pojoState = legacy.snapshot(1, 1);
        legacy.close();

        var restored = harness(new StreamAligner(AlignerConfig.defaults()));
        restored.initializeState(pojoState);
        restored.open();
        OperatorSubtaskState rewritten = restored.snapshot(2, 2); // in the new layout
        restored.close();

        var again = harness(new StreamAligner(AlignerConfig.defaults()));
        again.initializeState(rewritten);
        again.open();
        again.processWatermark(wm(10_000_000));

        var fresh = harness(new StreamAligner(AlignerConfig.defaults()));
        fresh.open();
        send(fresh, events);
        fresh.processWatermark(wm(10_000_000));

        List<AlignedWindow> expected = withoutAlignedAt(fresh.extractOutputValues());
        assertThat(expected).hasSize(3);
        assertThat(expected.get(1).getTexts()).isNotEmpty();
        assertThat(expected.get(1).getAudio().getCoverage()).isEqualTo(1f);
        assertThat(withoutAlignedAt(again.extractOutputValues())).isEqualTo(expected);
        again.close();
        fresh.close();
    }

    /** The aligner as avfuse ran it before: pending windows in Flink's POJO layout. */
    private static final class PojoLayoutAligner extends StreamAligner {
        private static final long serialVersionUID = 1L;

        PojoLayoutAligner(AlignerConfig config) {
            super(config);
        }

        @Override
        MapStateDescriptor<Long, PendingWindow> pendingWindowsState() {
            return new MapStateDescriptor<>(
                    "pending-windows", Types.LONG, TypeInformation.of(PendingWindow.class));
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, ModalityEvent, AlignedWindow>
            harness(StreamAligner aligner) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(aligner), ModalityEvent::streamId, Types.STRING);
    }

    private static void send(
            KeyedOneInputStreamOperatorTestHarness<String, ModalityEvent, AlignedWindow> h,
            List<ModalityEvent> events)
            throws Exception {
        for (ModalityEvent e : events) {
            h.processElement(new StreamRecord<>(e, e.eventTimeUs() / 1000));
        }
    }

    private static List<AlignedWindow> withoutAlignedAt(List<AlignedWindow> windows) {
        return windows.stream()
                .map(w -> AlignedWindow.newBuilder(w).setAlignedAtUs(0).build())
                .toList();
    }

    private static io.avfuse.schemas.AudioChunk loudChunk() {
        io.avfuse.schemas.AudioChunk c = chunk("a", 0);
        java.nio.ByteBuffer b =
                java.nio.ByteBuffer.allocate(c.getSamples().remaining())
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            b.putFloat(0.9f);
        }
        b.flip();
        c.setSamples(b);
        return c;
    }

    private static PendingWindow roundTrip(TypeSerializer<PendingWindow> s, PendingWindow w)
            throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(1024);
        s.serialize(w, out);
        return s.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }
}
