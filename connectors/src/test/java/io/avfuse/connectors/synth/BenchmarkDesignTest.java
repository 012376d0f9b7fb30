package io.avfuse.connectors.synth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The benchmark's construction: split evidence, bounds that leave room for fusion, determinism. */
class BenchmarkDesignTest {
    @Test
    void everyPairOfClassesDiffersWhereTheCatalogueSays() {
        List<ClassCatalogue.EventClass> c = ClassCatalogue.CLASSES;
        assertThat(differing(c.get(0), c.get(1))).containsExactly(Modality.AUDIO);
        assertThat(differing(c.get(2), c.get(3))).containsExactly(Modality.VIDEO);
        assertThat(differing(c.get(4), c.get(5))).containsExactly(Modality.TEXT);
        assertThat(differing(c.get(6), c.get(7))).isEmpty(); // only the flash/beep timing
        assertThat(c.get(6).synchronous()).isTrue();
        assertThat(c.get(7).synchronous()).isFalse();
    }

    private static Set<Modality> differing(
            ClassCatalogue.EventClass a, ClassCatalogue.EventClass b) {
        Set<Modality> d = EnumSet.noneOf(Modality.class);
        for (Modality m : Modality.values()) {
            if (a.cue(m) != b.cue(m)) {
                d.add(m);
            }
        }
        return d;
    }

    @Test
    void noiselessBoundsFollowFromTheCueTable() {
        // Without noise or absence: video, audio and text each see 3 groups (3/8), metadata 4
        // scenes (4/8), all four together every class (8/8).
        assertThat(BayesBound.accuracy(EnumSet.of(Modality.VIDEO), 0, 0))
                .isCloseTo(0.375, within(1e-9));
        assertThat(BayesBound.accuracy(EnumSet.of(Modality.METADATA), 0, 0))
                .isCloseTo(0.5, within(1e-9));
        assertThat(BayesBound.accuracy(EnumSet.allOf(Modality.class), 0, 0))
                .isCloseTo(1.0, within(1e-9));
        // Metadata + audio separates pairs 0/1 but not 2/3, 4/5 or 6/7 (7/8 would need timing).
        assertThat(BayesBound.accuracy(EnumSet.of(Modality.METADATA, Modality.AUDIO), 0, 0))
                .isCloseTo(5.0 / 8, within(1e-9));
    }

    @Test
    void defaultBoundsKeepSingleModalitiesLowAndLeaveFusionTenPointsAbove() {
        Map<Set<Modality>, Double> bounds = BayesBound.table(0.2, 0.1);
        double bestSingle = 0;
        for (Modality m : Modality.values()) {
            double single = bounds.get(EnumSet.of(m));
            assertThat(single).as("%s alone", m).isLessThan(0.6);
            bestSingle = Math.max(bestSingle, single);
        }
        assertThat(bounds.get(EnumSet.allOf(Modality.class))).isGreaterThan(bestSingle + 0.1);
        assertThat(bounds).hasSize(15);
    }

    @Test
    void plannerIsDeterministicAndMatchesTheNoiseModel() {
        List<WindowPlan> a = new ClipPlanner(42, 0.2, 0.1).plan(20_000);
        List<WindowPlan> b = new ClipPlanner(42, 0.2, 0.1).plan(20_000);
        assertThat(a).isEqualTo(b);
        for (Modality m : Modality.values()) {
            long absent = a.stream().filter(w -> !w.present(m)).count();
            long noisy = a.stream().filter(w -> w.noisy().contains(m)).count();
            assertThat(absent / 20_000.0).as("%s absence", m).isCloseTo(0.1, within(0.015));
            assertThat(noisy / (20_000.0 - absent)).as("%s noise", m).isCloseTo(0.2, within(0.015));
        }
        long sync =
                a.stream()
                        .filter(w -> w.eventClass() == 6 && w.noisy().isEmpty())
                        .filter(w -> w.present(Modality.VIDEO) && w.present(Modality.AUDIO))
                        .filter(
                                w ->
                                        w.cues().get(Modality.VIDEO).slot()
                                                != w.cues().get(Modality.AUDIO).slot())
                        .count();
        assertThat(sync).as("class 6 keeps flash and beep in one slot").isZero();
        assertThat(a.stream().filter(w -> w.caption() != null))
                .allSatisfy(w -> assertThat(w.present(Modality.TEXT)).isTrue());
    }
}
