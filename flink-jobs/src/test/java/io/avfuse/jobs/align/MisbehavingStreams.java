package io.avfuse.jobs.align;

import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.VideoFrame;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Seven streams of 25 fps video and 20 ms audio chunks over {@value #SECONDS} s, six of them
 * misbehaving, as a plan of what is sent when and how it is stamped. The live job test sends it
 * through Kafka at real-time pace; the aligner test replays it through the operator harness.
 *
 * <ul>
 *   <li>steady: on time throughout;
 *   <li>mute: loses its audio from 6 s to 13 s;
 *   <li>pause: sends nothing from 5 s to 12 s;
 *   <li>shuffled: sent up to 150 ms out of order, every 50th frame of the first 16 s 3 s late;
 *   <li>jumper: stamped 2 h ahead from 8 s to 10 s, 1 h behind from 12 s to 14 s;
 *   <li>skewed: audio clock 150 ms behind its video;
 *   <li>lagging: audio clock 1.5 s behind its video.
 * </ul>
 */
public final class MisbehavingStreams {
    public static final int SECONDS = 20;
    public static final long SEC = 1_000_000L;
    private static final long HOUR = 3_600 * SEC;
    private static final long TICK_US = AlignFixtures.CHUNK_US; // a chunk; a frame every 2

    /** What must become of a record. */
    public enum Fate {
        /** Part of its window. */
        OK,
        /** Dead-lettered as late by the aligner. */
        LATE,
        /** Dead-lettered by the event-time guard: stamped beyond the allowed future. */
        FUTURE,
        /** Late unless the watermark falls behind by more than 0.4 s (lagging audio). */
        MAYBE_LATE
    }

    /** One record: sent at {@code sendUs} (wall clock), stamped {@code eventUs}. */
    public record Planned(
            long sendUs, long eventUs, String stream, boolean video, long index, Fate fate) {
        public VideoFrame frame() {
            VideoFrame f = AlignFixtures.frame(stream, index);
            f.setEventTimeUs(eventUs);
            return f;
        }

        public AudioChunk chunk() {
            AudioChunk c = AlignFixtures.chunk(stream, index);
            c.setStartTimeUs(eventUs);
            return c;
        }

        public ModalityEvent event() {
            return video ? ModalityEvent.of(frame()) : ModalityEvent.of(chunk());
        }
    }

    private MisbehavingStreams() {}

    /** Every record of every stream, in sending order, for a start on a whole second. */
    public static List<Planned> plan(long startUs) {
        Random rnd = new Random(5);
        List<Planned> plan = new ArrayList<>();
        Map<String, Long> index = new HashMap<>();
        for (long tick = 0; tick * TICK_US < SECONDS * SEC; tick++) {
            long t = startUs + tick * TICK_US;
            long s = tick * TICK_US / SEC; // whole seconds since the start
            boolean frameTick = tick % 2 == 0;
            for (boolean v : frameTick ? new boolean[] {true, false} : new boolean[] {false}) {
                Sink add =
                        (sendUs, eventUs, stream, fate) ->
                                plan.add(
                                        new Planned(
                                                sendUs,
                                                eventUs,
                                                stream,
                                                v,
                                                index.merge(stream + v, 1L, Long::sum),
                                                fate));
                add.to(t, t, "steady", Fate.OK);
                if (v || s < 6 || s >= 13) {
                    add.to(t, t, "mute", Fate.OK);
                }
                if (s < 5 || s >= 12) {
                    add.to(t, t, "pause", Fate.OK);
                }
                // Shuffled within 150 ms (below the 200 ms out-of-orderness); every 50th frame of
                // the first 16 s 3 s late, past its window's end plus tolerance.
                if (v && tick % 100 == 50 && s < 16) {
                    add.to(t + 3 * SEC, t, "shuffled", Fate.LATE);
                } else {
                    add.to(t + rnd.nextInt(150_000), t, "shuffled", Fate.OK);
                }
                if (s >= 8 && s < 10) {
                    add.to(t, t + 2 * HOUR, "jumper", Fate.FUTURE);
                } else if (s >= 12 && s < 14) {
                    add.to(t, t - HOUR, "jumper", Fate.LATE);
                } else {
                    add.to(t, t, "jumper", Fate.OK);
                }
                // Audio clocks behind video: 150 ms (inside the tolerances) and 1.5 s.
                if (v) {
                    add.to(t, t, "skewed", Fate.OK);
                    add.to(t, t, "lagging", Fate.OK);
                } else {
                    if (t - 150_000 >= startUs) {
                        add.to(t, t - 150_000, "skewed", Fate.OK);
                    }
                    if (t - 1_500_000 >= startUs) {
                        add.to(t, t - 1_500_000, "lagging", Fate.MAYBE_LATE);
                    }
                }
            }
        }
        plan.sort(Comparator.comparingLong(Planned::sendUs));
        return plan;
    }

    /** How many records of each stream:fate the plan holds. */
    public static Map<String, Integer> fates(List<Planned> plan) {
        Map<String, Integer> fates = new TreeMap<>();
        plan.forEach(p -> fates.merge(p.stream() + ":" + p.fate(), 1, Integer::sum));
        return fates;
    }

    /** The windows (seconds after the start) each stream must get, once each. */
    public static Map<String, List<Integer>> expectedWindows() {
        Map<String, List<Integer>> m = new TreeMap<>();
        for (String s : List.of("steady", "mute", "shuffled", "skewed", "lagging")) {
            m.put(s, range(0, SECONDS));
        }
        List<Integer> pause = range(0, 5);
        pause.addAll(range(12, SECONDS));
        m.put("pause", pause);
        List<Integer> jumper = range(0, 8);
        jumper.addAll(range(10, 12));
        jumper.addAll(range(14, SECONDS));
        m.put("jumper", jumper);
        return m;
    }

    /** Whether window {@code w} (seconds after the start) of the mute stream lacks its audio. */
    public static boolean muted(int w) {
        return w >= 6 && w < 13;
    }

    private static List<Integer> range(int from, int to) {
        List<Integer> r = new ArrayList<>();
        for (int i = from; i < to; i++) {
            r.add(i);
        }
        return r;
    }

    @FunctionalInterface
    private interface Sink {
        void to(long sendUs, long eventUs, String stream, Fate fate);
    }
}
