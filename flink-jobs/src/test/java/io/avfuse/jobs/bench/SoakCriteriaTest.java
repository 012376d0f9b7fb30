package io.avfuse.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The soak's verdict arithmetic on made-up series whose answer is known. */
class SoakCriteriaTest {
    private static final double[] T = {15, 30, 45, 60, 75, 90, 105, 120, 135};

    @Test
    void slopeIsTheLeastSquaresFit() {
        assertThat(SoakCriteria.slope(new double[] {0, 1, 2, 3}, new double[] {1, 3, 5, 7}))
                .isCloseTo(2.0, within(1e-12));
        // Symmetric noise around a flat line fits to zero.
        assertThat(SoakCriteria.slope(new double[] {0, 1, 2, 3}, new double[] {5, 7, 7, 5}))
                .isCloseTo(0.0, within(1e-12));
        assertThatThrownBy(() -> SoakCriteria.slope(new double[] {1}, new double[] {1}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SoakCriteria.slope(new double[] {2, 2}, new double[] {1, 3}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tailSkipsTheWarmUpButKeepsTwoSamples() {
        assertThat(SoakCriteria.tail(new double[] {1, 2, 3, 4, 5, 6}, 1 / 3.0))
                .containsExactly(3, 4, 5, 6);
        assertThat(SoakCriteria.tail(new double[] {1, 2, 3}, 0.9)).containsExactly(2, 3);
    }

    @Test
    void aWarmUpRampFollowedByAPlateauIsNotGrowth() {
        double[] heap = {100, 300, 500, 520, 480, 510, 500, 490, 505};
        SoakCriteria.Verdict v = SoakCriteria.notGrowingAfterWarmUp("heap", T, heap, 0.10);
        assertThat(v.met()).isTrue();
        assertThat(v.figures()).contains("peak 520.0 -> 505.0").contains("floor 480.0 -> 490.0");
    }

    @Test
    void aSeriesSwingingBetweenTwoLevelsIsNotGrowthWhicheverLevelTheSamplesHit() {
        // One or two window generations at a checkpoint. In the first series the last third hits
        // the low level more often (a fitted trend falls steeply); in the second it only hits the
        // high one (the floor doubles). The peak stays put in both.
        double[] t = new double[12];
        for (int i = 0; i < t.length; i++) {
            t[i] = 15 * (i + 1);
        }
        double[] lower = {0, 265, 530, 530, 265, 530, 265, 265, 530, 265, 265, 265};
        double[] upper = {0, 265, 530, 530, 265, 530, 265, 265, 530, 530, 530, 530};
        assertThat(SoakCriteria.notGrowingAfterWarmUp("size", t, lower, 0.10).met()).isTrue();
        assertThat(SoakCriteria.notGrowingAfterWarmUp("size", t, upper, 0.10).met()).isTrue();
    }

    @Test
    void aRisingPeakIsGrowth() {
        // Peaks 520 -> 580 (+11.5 %).
        double[] heap = {100, 300, 500, 520, 480, 510, 500, 580, 505};
        assertThat(SoakCriteria.notGrowingAfterWarmUp("heap", T, heap, 0.10).met()).isFalse();
        assertThat(SoakCriteria.notGrowingAfterWarmUp("heap", T, heap, 0.12).met()).isTrue();
        // A steady leak lifts every sample, the peak with them.
        double[] leak = {300, 500, 500, 525, 550, 575, 600, 625, 650};
        assertThat(SoakCriteria.notGrowingAfterWarmUp("heap", T, leak, 0.10).met()).isFalse();
    }

    @Test
    void p99IsTheNearestRankAndMustBeBelowTheInterval() {
        double[] ms = new double[100];
        for (int i = 0; i < ms.length; i++) {
            ms[i] = i + 1; // 1..100 ms
        }
        assertThat(SoakCriteria.quantile(ms, 0.99)).isEqualTo(99);
        assertThat(SoakCriteria.quantile(ms, 0.5)).isEqualTo(50);
        assertThat(SoakCriteria.p99Below("d", ms, 100).met()).isTrue();
        assertThat(SoakCriteria.p99Below("d", ms, 99).met()).isFalse();
        assertThat(SoakCriteria.p99Below("d", new double[0], 1e9).met()).isFalse();
    }

    @Test
    void lagThatSawsWithCheckpointsButDoesNotGrowPasses() {
        double[] lag = {9000, 2000, 9000, 2000, 9000, 2000, 9000, 2000, 9000};
        assertThat(SoakCriteria.notGrowing("lag", T, lag, 8000, "records").met()).isTrue();
    }

    @Test
    void lagThatGrowsByMoreThanTheAllowancePerHalfFails() {
        // The second half (75-135 s) grows 500 records per 15 s: 2,000 in all.
        double[] lag = {0, 0, 0, 0, 1000, 1500, 2000, 2500, 3000};
        assertThat(SoakCriteria.notGrowing("lag", T, lag, 1999, "records").met()).isFalse();
        assertThat(SoakCriteria.notGrowing("lag", T, lag, 2001, "records").met()).isTrue();
    }

    @Test
    void atMostIncludesTheLimit() {
        assertThat(SoakCriteria.atMost("heap", new double[] {1, 2000}, 2000, "MB").met()).isTrue();
        assertThat(SoakCriteria.atMost("heap", new double[] {1, 2001}, 2000, "MB").met()).isFalse();
    }

    @Test
    void noneOfIsMetOnlyWhenEveryNamedCounterIsZero() {
        Map<String, Long> clean = new TreeMap<>(Map.of("lateRecords", 0L, "windowsEmitted", 90L));
        assertThat(SoakCriteria.noneOf("no late records", clean, "lateRecords").met()).isTrue();
        assertThat(SoakCriteria.noneOf("no late records", clean, "lateRecords").figures())
                .isEqualTo("lateRecords 0, windowsEmitted 90");
        Map<String, Long> late = new TreeMap<>(Map.of("lateRecords", 3L, "windowsEmitted", 90L));
        assertThat(SoakCriteria.noneOf("no late records", late, "lateRecords").met()).isFalse();
        assertThatThrownBy(() -> SoakCriteria.noneOf("x", clean, "windowsFlushedIdle"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
