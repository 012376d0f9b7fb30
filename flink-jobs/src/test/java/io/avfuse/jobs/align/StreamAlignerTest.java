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
import io.avfuse.schemas.WindowFrame;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StreamAlignerTest {
    private KeyedOneInputStreamOperatorTestHarness<String, ModalityEvent, AlignedWindow> harness;

    private void open(AlignerConfig config) throws Exception {
        harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new StreamAligner(config)),
                        ModalityEvent::streamId,
                        Types.STRING);
        harness.open();
    }

    @AfterEach
    void close() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    private void send(List<ModalityEvent> events) throws Exception {
        for (ModalityEvent e : events) {
            harness.processElement(new StreamRecord<>(e, e.eventTimeUs() / 1000));
        }
    }

    private void send(ModalityEvent e) throws Exception {
        send(List.of(e));
    }

    private List<AlignedWindow> out() {
        return harness.extractOutputValues();
    }

    private List<ModalityEvent> late() {
        return harness.getSideOutput(StreamAligner.LATE) == null
                ? List.of()
                : harness.getSideOutput(StreamAligner.LATE).stream()
                        .map(StreamRecord::getValue)
                        .toList();
    }

    /** The emitted window's audio as floats. */
    static float[] audio(AlignedWindow w) {
        FloatBuffer f =
                w.getAudio()
                        .getSamples()
                        .duplicate()
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .asFloatBuffer();
        float[] out = new float[f.remaining()];
        f.get(out);
        return out;
    }

    @Test
    void inOrderStreamsBecomeCompleteWindows() throws Exception {
        open(AlignerConfig.defaults());
        send(av("a", 0, 3_000_000));
        harness.processWatermark(wm(3_100_000));

        List<AlignedWindow> windows = out();
        assertThat(windows).hasSize(3);
        for (int i = 0; i < 3; i++) {
            AlignedWindow w = windows.get(i);
            assertThat(w.getWindowStartUs()).isEqualTo(T0 + i * 1_000_000L);
            assertThat(w.getWindowEndUs()).isEqualTo(T0 + (i + 1) * 1_000_000L);
            assertThat(w.getPresence().getVideo()).isTrue();
            assertThat(w.getPresence().getAudio()).isTrue();
            assertThat(w.getPresence().getText()).isFalse();
            assertThat(w.getFramesSeen()).isEqualTo(25);
            // 8 of 25 frames, one per eighth of the window: 62.5 ms, 187.5 ms, ... -> nearest
            // frames
            assertThat(w.getFrames())
                    .extracting(WindowFrame::getFrameIndex)
                    .containsExactly(
                            25L * i + 2,
                            25L * i + 5,
                            25L * i + 8,
                            25L * i + 11,
                            25L * i + 14,
                            25L * i + 17,
                            25L * i + 20,
                            25L * i + 23);
            assertThat(w.getAudio().getCoverage()).isEqualTo(1f);
            assertThat(w.getAudio().getGaps()).isZero();
            float[] samples = audio(w);
            assertThat(samples).hasSize(16_000);
            for (int n = 0; n < samples.length; n += 997) {
                assertThat(samples[n]).isEqualTo(AlignFixtures.sampleValue(16_000L * i + n));
            }
        }
        assertThat(late()).isEmpty();
    }

    @Test
    void outOfOrderWithinTheBoundGivesTheSameWindows() throws Exception {
        open(AlignerConfig.defaults());
        send(av("a", 0, 3_000_000));
        harness.processWatermark(wm(3_100_000));
        List<AlignedWindow> inOrder = withoutWallClock(out());
        close();

        open(AlignerConfig.defaults());
        List<ModalityEvent> events = new ArrayList<>(av("a", 0, 3_000_000));
        Random rnd = new Random(3);
        // Shuffle inside blocks of 150 ms: disorder the watermark strategy's bound would absorb.
        for (int from = 0; from < events.size(); ) {
            int to = from;
            long blockStart = events.get(from).eventTimeUs();
            while (to < events.size() && events.get(to).eventTimeUs() < blockStart + 150_000) {
                to++;
            }
            Collections.shuffle(events.subList(from, to), rnd);
            from = to;
        }
        send(events);
        harness.processWatermark(wm(3_100_000));
        assertThat(withoutWallClock(out())).isEqualTo(inOrder);
    }

    @Test
    void lateRecordsBeyondTheToleranceGoToTheSideOutputAndLeaveEmittedWindowsAlone()
            throws Exception {
        open(AlignerConfig.defaults());
        send(av("a", 0, 2_000_000));
        harness.processWatermark(wm(1_100_000));
        assertThat(out()).hasSize(1);
        AlignedWindow first = out().get(0);

        send(ModalityEvent.of(frame("a", 12))); // 0.48 s: its window is already out
        send(ModalityEvent.of(chunk("a", 49))); // 0.98 s
        harness.processWatermark(wm(2_100_000));

        assertThat(late())
                .extracting(ModalityEvent::eventTimeUs)
                .containsExactly(T0 + 480_000, T0 + 980_000);
        assertThat(out()).hasSize(2);
        assertThat(out().get(0)).isEqualTo(first);
        assertThat(out().get(1).getWindowStartUs()).isEqualTo(T0 + 1_000_000);
    }

    @Test
    void audioMissingForPartOfAWindowIsZeroFilledAndFlagged() throws Exception {
        open(AlignerConfig.defaults());
        List<ModalityEvent> events = new ArrayList<>(av("a", 0, 1_000_000));
        // Drop chunks 10..29: 200 ms to 600 ms of audio.
        events.removeIf(
                e ->
                        e.audio != null
                                && e.audio.getChunkIndex() >= 10
                                && e.audio.getChunkIndex() < 30);
        send(events);
        harness.processWatermark(wm(1_100_000));

        AlignedWindow w = out().get(0);
        assertThat(w.getPresence().getAudio()).isTrue();
        assertThat(w.getAudio().getCoverage()).isEqualTo(0.6f);
        assertThat(w.getAudio().getGaps()).isEqualTo(1);
        float[] samples = audio(w);
        assertThat(samples[3199]).isEqualTo(AlignFixtures.sampleValue(3199));
        for (int n = 3200; n < 9600; n++) {
            assertThat(samples[n]).isZero();
        }
        assertThat(samples[9600]).isEqualTo(AlignFixtures.sampleValue(9600));
    }

    @Test
    void aModalityThatDiesIsMarkedMissingAndPresentAgainWhenItComesBack() throws Exception {
        open(AlignerConfig.defaults());
        List<ModalityEvent> events = new ArrayList<>(av("a", 0, 8_000_000));
        // Audio stops at 2 s and resumes at 6 s.
        events.removeIf(
                e ->
                        e.audio != null
                                && e.eventTimeUs() >= T0 + 2_000_000
                                && e.eventTimeUs() < T0 + 6_000_000);
        for (ModalityEvent e : events) {
            send(e);
            harness.processWatermark((e.eventTimeUs() - 200_000) / 1000); // 200 ms bound
        }
        harness.processWatermark(wm(8_100_000));

        assertThat(out())
                .extracting(w -> w.getPresence().getAudio())
                .containsExactly(true, true, false, false, false, false, true, true);
        assertThat(out()).extracting(w -> w.getPresence().getVideo()).containsOnly(true);
        assertThat(out())
                .extracting(AlignedWindow::getWindowStartUs)
                .containsExactly(
                        T0,
                        T0 + 1_000_000,
                        T0 + 2_000_000,
                        T0 + 3_000_000,
                        T0 + 4_000_000,
                        T0 + 5_000_000,
                        T0 + 6_000_000,
                        T0 + 7_000_000);
        assertThat(late()).isEmpty();
    }

    @Test
    void aDeadModalityNoLongerHoldsWindowsBack() throws Exception {
        open(AlignerConfig.defaults()); // text: tolerance 2 s, timeout 10 s
        send(ModalityEvent.of(caption("a", 500_000, 0, "hello")));
        send(av("a", 0, 14_000_000));

        harness.processWatermark(wm(1_100_000));
        assertThat(out()).as("text is alive: window 0 waits for its 2 s tolerance").isEmpty();
        harness.processWatermark(wm(3_000_000));
        assertThat(out()).hasSize(1);
        assertThat(out().get(0).getPresence().getText()).isTrue();

        // Text last seen at 0.5 s: dead once the watermark passes 10.5 s.
        harness.processWatermark(wm(11_200_000));
        assertThat(out())
                .extracting(AlignedWindow::getWindowEndUs)
                .last()
                .isEqualTo(T0 + 11_000_000);
        harness.processWatermark(wm(12_100_000));
        assertThat(out())
                .extracting(AlignedWindow::getWindowEndUs)
                .last()
                .as("emitted at end + video tolerance, not end + text tolerance")
                .isEqualTo(T0 + 12_000_000);
    }

    @Test
    void aWindowIsEmittedAtItsOwnReadyInstantEvenWhenItIsAnotherWindowsTimer() throws Exception {
        // Metadata alive (tolerance 1 s), no text: window n+1 is ready at its end + 1 s, the
        // same instant as window n's text-tolerance timer.
        open(AlignerConfig.defaults());
        List<ModalityEvent> events = new ArrayList<>(av("a", 0, 5_000_000));
        for (long t = 0; t < 5_000_000; t += 500_000) {
            events.add(ModalityEvent.of(metadata("a", t, t)));
        }
        events.sort(java.util.Comparator.comparingLong(ModalityEvent::eventTimeUs));
        send(events);
        harness.processWatermark(wm(2_000_000));
        assertThat(out()).hasSize(1);
        harness.processWatermark(wm(2_500_000)); // window 1's video timers fire: not ready yet
        assertThat(out()).hasSize(1);
        harness.processWatermark(wm(3_000_000));
        assertThat(out()).hasSize(2);
    }

    @Test
    void skewInsideTheToleranceIsAbsorbedAndOutsideItIsLate() throws Exception {
        open(AlignerConfig.defaults()); // audio tolerance 100 ms
        List<ModalityEvent> events = av("a", 0, 2_000_000);
        List<ModalityEvent> lagging =
                events.stream()
                        .filter(
                                e ->
                                        e.audio != null
                                                && e.eventTimeUs() >= T0 + 940_000
                                                && e.eventTimeUs() < T0 + 1_000_000)
                        .toList();
        send(events.stream().filter(e -> !lagging.contains(e)).toList());
        harness.processWatermark(wm(1_050_000)); // the last 60 ms of audio lag: inside 100 ms
        send(lagging);
        harness.processWatermark(wm(1_200_000));
        assertThat(out().get(0).getAudio().getCoverage()).isEqualTo(1f);
        close();

        open(AlignerConfig.defaults());
        send(events.stream().filter(e -> !lagging.contains(e)).toList());
        harness.processWatermark(wm(1_150_000)); // 150 ms behind: outside
        send(lagging);
        harness.processWatermark(wm(1_200_000));
        assertThat(out().get(0).getAudio().getCoverage()).isEqualTo(0.94f);
        assertThat(late()).hasSize(lagging.size());
    }

    @Test
    void watermarkProgressWithoutAnyRecordOfAModalityDoesNotStallTheOthers() throws Exception {
        // What an idle source partition looks like to the aligner: the watermark moves, one
        // modality never shows up for this stream.
        open(AlignerConfig.defaults());
        send(av("a", 0, 2_000_000).stream().filter(e -> e.video != null).toList());
        harness.processWatermark(wm(2_100_000));
        assertThat(out()).hasSize(2);
        assertThat(out()).extracting(w -> w.getPresence().getAudio()).containsOnly(false);
        assertThat(out()).extracting(AlignedWindow::getAudio).containsOnlyNulls();
    }

    @Test
    void manyInterleavedStreamsEachGetExactlyTheirOwnWindows() throws Exception {
        open(AlignerConfig.defaults());
        List<ModalityEvent> all = new ArrayList<>();
        for (int s = 0; s < 20; s++) {
            all.addAll(av("cam-" + s, 0, 3_000_000));
        }
        Collections.shuffle(all, new Random(11));
        all.sort(
                java.util.Comparator.comparingLong(
                        e -> e.eventTimeUs() / 100_000)); // 100 ms disorder
        send(all);
        harness.processWatermark(wm(3_100_000));

        Map<String, List<AlignedWindow>> byStream =
                out().stream().collect(Collectors.groupingBy(AlignedWindow::getStreamId));
        assertThat(byStream).hasSize(20);
        for (var e : byStream.entrySet()) {
            assertThat(e.getValue()).hasSize(3);
            assertThat(e.getValue())
                    .allSatisfy(
                            w -> {
                                assertThat(w.getFramesSeen()).isEqualTo(25);
                                assertThat(w.getAudio().getCoverage()).isEqualTo(1f);
                            });
        }
    }

    @Test
    void stateAndTimersAreClearedWhenTheStreamsEnd() throws Exception {
        open(AlignerConfig.defaults());
        for (int s = 0; s < 5; s++) {
            send(av("cam-" + s, 0, 2_500_000));
            send(ModalityEvent.of(caption("cam-" + s, 100_000, 300_000, "hi")));
            send(ModalityEvent.of(metadata("cam-" + s, 200_000, 1.0)));
        }
        assertThat(harness.numKeyedStateEntries()).isPositive();
        assertThat(harness.numEventTimeTimers()).isPositive();
        harness.processWatermark(Long.MAX_VALUE);
        assertThat(out()).hasSize(15);
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void textCarriesOverWithinItsTtlAndMetadataIsTheLatest() throws Exception {
        open(AlignerConfig.defaults()); // text TTL 5 s, metadata TTL 30 s
        send(ModalityEvent.of(caption("a", 300_000, 1_500_000, "goal"))); // 0.3 s - 1.8 s
        send(ModalityEvent.of(metadata("a", 100_000, 1.0)));
        send(ModalityEvent.of(metadata("a", 600_000, 2.0)));
        send(av("a", 0, 9_000_000));
        harness.processWatermark(Long.MAX_VALUE);

        List<AlignedWindow> w = out();
        assertThat(w.get(0).getTexts()).hasSize(1);
        assertThat(w.get(0).getTextCarriedOver()).isFalse();
        assertThat(w.get(1).getTexts()).as("the caption spans into window 1").hasSize(1);
        assertThat(w.get(1).getTextCarriedOver()).isFalse();
        assertThat(w.get(2).getTextCarriedOver()).isTrue();
        assertThat(w.get(6).getTextCarriedOver())
                .as("ended at 1.8 s, window 6 starts 6 s")
                .isTrue();
        assertThat(w.get(7).getPresence().getText()).as("past the 5 s TTL").isFalse();
        assertThat(w)
                .extracting(AlignedWindow::getMetadata)
                .allSatisfy(m -> assertThat(m).containsEntry("speed", 2.0));
    }

    @Test
    void slidingWindowsShareRecords() throws Exception {
        open(AlignerConfig.defaults().withWindow(Duration.ofSeconds(2), Duration.ofSeconds(1)));
        send(av("a", 0, 3_000_000));
        harness.processWatermark(Long.MAX_VALUE);
        // Windows starting at -1 s, 0 s, 1 s, 2 s.
        assertThat(out()).extracting(AlignedWindow::getFramesSeen).containsExactly(25, 50, 50, 25);
        assertThat(out().get(1).getAudio().getCoverage()).isEqualTo(1f);
        assertThat(out().get(0).getAudio().getCoverage()).isEqualTo(0.5f);
    }

    /**
     * 4 frames per window, at most 19 pending windows (the least the config allows at W = H: a
     * caption may span 16 windows), 10 frames and 3 texts buffered per window.
     */
    private void openWithSmallestCaps() throws Exception {
        AlignerConfig base = AlignerConfig.defaults();
        open(
                new AlignerConfig(
                        base.windowUs(),
                        base.hopUs(),
                        4,
                        base.toleranceUs(),
                        base.timeoutUs(),
                        base.textTtlUs(),
                        base.metadataTtlUs(),
                        19,
                        10,
                        3,
                        base.idleFlushUs()));
    }

    @Test
    void capsBoundStateAndCountWhatTheyEvict() throws Exception {
        openWithSmallestCaps();
        send(av("a", 0, 22_000_000).stream().filter(e -> e.video != null).toList());
        // No watermark at all: a stuck source. Only 19 windows may be pending.
        assertThat(out())
                .extracting(AlignedWindow::getWindowStartUs)
                .containsExactly(T0, T0 + 1_000_000, T0 + 2_000_000);
        assertThat(out().get(0).getFramesSeen()).isEqualTo(25);
        assertThat(out().get(0).getFrames()).hasSize(4);
        harness.processWatermark(Long.MAX_VALUE);
        assertThat(out()).hasSize(22);
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    @Test
    void windowsCreatedOutOfOrderAreForcedOutAndCompletedOldestFirst() throws Exception {
        openWithSmallestCaps();
        // One frame per window, windows 5 down to 0, then 6 to 21, no watermark: the 20th, 21st
        // and 22nd windows created each push the oldest pending one out.
        for (int w = 5; w >= 0; w--) {
            send(ModalityEvent.of(frame("a", 25L * w)));
        }
        for (int w = 6; w <= 21; w++) {
            send(ModalityEvent.of(frame("a", 25L * w)));
        }
        assertThat(out())
                .extracting(AlignedWindow::getWindowStartUs)
                .containsExactly(T0, T0 + 1_000_000, T0 + 2_000_000);
        // The watermark completes only the windows that end before it, in start order.
        harness.processWatermark(wm(6_100_000));
        assertThat(out().subList(3, out().size()))
                .extracting(AlignedWindow::getWindowStartUs)
                .containsExactly(T0 + 3_000_000, T0 + 4_000_000, T0 + 5_000_000);
        harness.processWatermark(Long.MAX_VALUE);
        List<Long> rest = new java.util.ArrayList<>();
        for (int w = 6; w <= 21; w++) {
            rest.add(T0 + w * 1_000_000L);
        }
        assertThat(out().subList(6, out().size()))
                .extracting(AlignedWindow::getWindowStartUs)
                .containsExactlyElementsOf(rest);
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    /**
     * The live misbehaviour test's streams replayed in sending order through the aligner, with the
     * watermark the job's sources would give them (one partition per modality: the newest accepted
     * event time less 200 ms), the future-stamped records withheld as the event-time guard does,
     * and the wall clock advancing with the sends. Every window the aligner has data for comes out
     * exactly once; every record it cannot place is on the late side output.
     */
    @Test
    void misbehavingStreamsLoseNoWindowAndLateRecordsAreAllAccountedFor() throws Exception {
        AlignerConfig d = AlignerConfig.defaults(); // audio timeout 2 s, as in the live test
        open(
                new AlignerConfig(
                        d.windowUs(),
                        d.hopUs(),
                        d.framesPerWindow(),
                        d.toleranceUs(),
                        d.timeoutUs(),
                        d.textTtlUs(),
                        d.metadataTtlUs(),
                        d.maxPendingWindows(),
                        d.maxFramesPerWindow(),
                        d.maxTextsPerWindow(),
                        2_000_000));
        List<MisbehavingStreams.Planned> plan = MisbehavingStreams.plan(T0);
        long newestMs = Long.MIN_VALUE;
        long sentAtUs = T0;
        for (MisbehavingStreams.Planned p : plan) {
            if (p.sendUs() > sentAtUs) {
                harness.processWatermark(newestMs - 200 - 1);
                sentAtUs = p.sendUs();
                harness.setProcessingTime(sentAtUs / 1000);
            }
            if (p.fate() != MisbehavingStreams.Fate.FUTURE) {
                send(p.event());
                newestMs = Math.max(newestMs, p.eventUs() / 1000);
            }
        }
        harness.processWatermark(newestMs - 200 - 1);
        // Traffic over: the watermark stops; the idle flush emits the last windows.
        for (int s = 1; s <= 6; s++) {
            harness.setProcessingTime(sentAtUs / 1000 + s * 1_000L);
        }

        Map<String, List<Integer>> got =
                out().stream()
                        .collect(
                                Collectors.groupingBy(
                                        AlignedWindow::getStreamId,
                                        java.util.TreeMap::new,
                                        Collectors.mapping(
                                                w ->
                                                        (int)
                                                                ((w.getWindowStartUs() - T0)
                                                                        / MisbehavingStreams.SEC),
                                                Collectors.toList())));
        assertThat(got).isEqualTo(MisbehavingStreams.expectedWindows());
        for (AlignedWindow w : out()) {
            int second = (int) ((w.getWindowStartUs() - T0) / MisbehavingStreams.SEC);
            boolean audio =
                    switch (w.getStreamId()) {
                        case "mute" -> !MisbehavingStreams.muted(second);
                        case "lagging" -> false; // all of its audio is behind the watermark
                        default -> true;
                    };
            assertThat(w.getPresence().getAudio())
                    .as("%s window %d audio", w.getStreamId(), second)
                    .isEqualTo(audio);
            assertThat(w.getPresence().getVideo()).isTrue();
        }
        Map<String, Integer> lateByStream = new java.util.TreeMap<>();
        late().forEach(e -> lateByStream.merge(e.streamId(), 1, Integer::sum));
        Map<String, Integer> fates = MisbehavingStreams.fates(plan);
        assertThat(lateByStream)
                .isEqualTo(
                        Map.of(
                                "shuffled", fates.get("shuffled:LATE"),
                                "jumper", fates.get("jumper:LATE"),
                                "lagging", fates.get("lagging:MAYBE_LATE")));

        harness.processWatermark(Long.MAX_VALUE);
        assertThat(out()).hasSize(got.values().stream().mapToInt(List::size).sum());
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    @Test
    void aStreamThatGoesQuietIsFlushedAfterTheIdleTimeWithoutAWatermark() throws Exception {
        open(AlignerConfig.defaults()); // idle flush 10 s
        harness.setProcessingTime(1_000);
        send(av("a", 0, 3_000_000));
        harness.processWatermark(wm(1_100_000)); // then every source goes quiet
        assertThat(out()).hasSize(1);

        harness.setProcessingTime(10_999); // 9.999 s of silence: not yet
        assertThat(out()).hasSize(1);
        harness.setProcessingTime(11_000); // the watermark moved after the last record: wait
        assertThat(out()).hasSize(1);
        harness.setProcessingTime(21_000); // and has not moved for another 10 s
        assertThat(out())
                .extracting(AlignedWindow::getWindowStartUs)
                .containsExactly(T0, T0 + 1_000_000, T0 + 2_000_000);
        assertThat(out().get(2).getFramesSeen()).isEqualTo(25);

        // A record for a flushed window is late, never a second copy of the window.
        send(ModalityEvent.of(frame("a", 60)));
        harness.processWatermark(Long.MAX_VALUE);
        assertThat(out()).hasSize(3);
        assertThat(late()).hasSize(1);
    }

    @Test
    void asTheJobRunsItTheIdleFlushWaitsUntilTheWholeInputIsIdle() throws Exception {
        harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new AlignerOperator(new StreamAligner(AlignerConfig.defaults())),
                        ModalityEvent::streamId,
                        Types.STRING);
        harness.open();
        harness.setProcessingTime(1_000);
        send(av("a", 0, 3_000_000));
        harness.processWatermark(wm(1_100_000));
        assertThat(out()).hasSize(1);

        // A minute without a record for "a" and without a moving watermark, but the sources are
        // not idle: the job is behind (or other streams are stuck), so nothing is flushed.
        harness.setProcessingTime(61_000);
        assertThat(out()).hasSize(1);
        assertThat(late()).isEmpty();

        // Then the records that were queued arrive: they complete their windows normally.
        send(av("a", 3_000_000, 4_000_000));
        harness.processWatermark(wm(3_100_000));
        assertThat(out())
                .extracting(AlignedWindow::getWindowStartUs)
                .containsExactly(T0, T0 + 1_000_000, T0 + 2_000_000);
        assertThat(out()).allSatisfy(w -> assertThat(w.getFramesSeen()).isEqualTo(25));

        // Every source goes quiet: the input turns idle, and the last window is flushed as
        // before: 10 s after the last record, plus 10 s since the watermark moved after it.
        harness.setProcessingTime(62_000);
        harness.processWatermarkStatus(WatermarkStatus.IDLE);
        harness.setProcessingTime(72_000);
        assertThat(out()).hasSize(3);
        harness.setProcessingTime(82_000);
        assertThat(out())
                .extracting(AlignedWindow::getWindowStartUs)
                .containsExactly(T0, T0 + 1_000_000, T0 + 2_000_000, T0 + 3_000_000);
        assertThat(out().get(3).getFramesSeen()).isEqualTo(25);
        assertThat(late()).isEmpty();
    }

    @Test
    void aRestoredTaskCountsSilenceFromItsStartNotFromBeforeTheFailure() throws Exception {
        open(AlignerConfig.defaults());
        harness.setProcessingTime(1_000);
        send(av("a", 0, 3_000_000));
        var snapshot = harness.snapshot(1, 1_000);
        harness.close();
        // Down for a minute: the restored timer (due at 11 s) is long overdue.
        harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new StreamAligner(AlignerConfig.defaults())),
                        ModalityEvent::streamId,
                        Types.STRING);
        harness.setProcessingTime(60_000);
        harness.initializeState(snapshot);
        harness.open();
        harness.setProcessingTime(60_001);
        assertThat(out()).isEmpty(); // Kafka replays first; nothing is flushed half-filled
        send(av("a", 3_000_000, 4_000_000));
        harness.setProcessingTime(60_500);
        assertThat(out()).isEmpty();
        harness.setProcessingTime(80_000); // 10 s of real silence after the replay
        assertThat(out()).hasSize(4);
        assertThat(out()).allSatisfy(w -> assertThat(w.getFramesSeen()).isEqualTo(25));
    }

    @Test
    void aStreamThatKeepsSendingIsNeverIdleFlushed() throws Exception {
        open(AlignerConfig.defaults());
        for (int second = 0; second < 30; second++) {
            harness.setProcessingTime(second * 1_000L);
            send(av("a", second * 1_000_000L, (second + 1) * 1_000_000L));
        }
        // The watermark never moved, yet records kept arriving: nothing is flushed early.
        assertThat(out()).isEmpty();
    }

    @Test
    void textReadFarAheadOfVideoAndAudioForcesNoWindowOut() throws Exception {
        open(AlignerConfig.defaults()); // cap 32
        // A backlog: the whole text topic arrives first, 60 windows ahead of any frame.
        for (int i = 0; i < 60; i++) {
            send(ModalityEvent.of(caption("a", i * 1_000_000L + 100_000, 800_000, "word " + i)));
        }
        assertThat(out()).isEmpty();
        send(av("a", 0, 60_000_000));
        harness.processWatermark(Long.MAX_VALUE);
        assertThat(out()).hasSize(60);
        assertThat(out()).allSatisfy(w -> assertThat(w.getFramesSeen()).isEqualTo(25));
        assertThat(out()).allSatisfy(w -> assertThat(w.getTexts()).hasSize(1));
        assertThat(late()).isEmpty();
    }

    @Test
    void aStreamThatOnlySendsLateRecordsKeepsNoState() throws Exception {
        open(AlignerConfig.defaults());
        harness.processWatermark(wm(100_000_000)); // other streams moved the watermark to 100 s
        send(ModalityEvent.of(frame("lagging", 10)));
        assertThat(late()).hasSize(1);
        harness.processWatermark(Long.MAX_VALUE);
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void anEmittedWindowIsNeverReCreatedAfterTheStreamStateIsCleared() throws Exception {
        AlignerConfig base = AlignerConfig.defaults();
        // Tolerance above the timeout: the modality dies before the window closes for it.
        open(
                new AlignerConfig(
                        base.windowUs(),
                        base.hopUs(),
                        8,
                        AlignerConfig.perModality(5_000_000, 5_000_000, 5_000_000, 5_000_000),
                        AlignerConfig.perModality(1_000_000, 1_000_000, 1_000_000, 1_000_000),
                        base.textTtlUs(),
                        base.metadataTtlUs(),
                        32,
                        64,
                        64,
                        base.idleFlushUs()));
        for (int i = 0; i < 25; i++) {
            send(ModalityEvent.of(frame("a", i)));
        }
        harness.processWatermark(wm(2_000_000));
        assertThat(out()).hasSize(1);
        send(ModalityEvent.of(frame("a", 12))); // 0.48 s, still within the 5 s tolerance
        harness.processWatermark(Long.MAX_VALUE);
        assertThat(out()).hasSize(1);
        assertThat(late()).hasSize(1);
    }

    @Test
    void contiguousAudioStampedToTheNearestMicrosecondHasNoGaps() throws Exception {
        open(AlignerConfig.defaults());
        for (int k = 0; k < 50; k++) {
            long start = T0 + Math.round(k * 1024 * 1e6 / 44_100); // PTS rescaled to µs, rounded
            send(ModalityEvent.of(audio44k(start, 1024)));
        }
        harness.processWatermark(wm(1_200_000));
        AlignedWindow w = out().get(0);
        assertThat(w.getAudio().getGaps()).isZero();
        assertThat(w.getAudio().getCoverage()).isEqualTo(1f);
    }

    @Test
    void audioThatWouldNeedAHugeWindowBufferIsRejectedNotAllocated() throws Exception {
        open(AlignerConfig.defaults().withWindow(Duration.ofMinutes(60), Duration.ofMinutes(60)));
        send(ModalityEvent.of(audio44k(T0, 16)));
        assertThat(harness.getSideOutput(StreamAligner.REJECTED_AUDIO)).hasSize(1);
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    private static io.avfuse.schemas.AudioChunk audio44k(long startUs, int frames) {
        java.nio.ByteBuffer b =
                java.nio.ByteBuffer.allocate(frames * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < frames; i++) {
            b.putFloat(0.25f);
        }
        b.flip();
        return io.avfuse.schemas.AudioChunk.newBuilder()
                .setStreamId("a")
                .setChunkIndex(0)
                .setStartTimeUs(startUs)
                .setSampleRate(44_100)
                .setChannels(1)
                .setSampleFormat(io.avfuse.schemas.SampleFormat.F32LE)
                .setSamples(b)
                .build();
    }

    private static List<AlignedWindow> withoutWallClock(List<AlignedWindow> windows) {
        return windows.stream()
                .map(w -> AlignedWindow.newBuilder(w).setAlignedAtUs(0).build())
                .toList();
    }
}
