package io.avfuse.connectors.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FpsSamplerTest {
    private static List<Long> kept(FpsSampler sampler, List<Long> pts) {
        List<Long> kept = new ArrayList<>();
        for (long t : pts) {
            if (sampler.accept(t)) {
                kept.add(t);
            }
        }
        return kept;
    }

    private static List<Long> grid(double fps, int count, long startUs) {
        List<Long> pts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            pts.add(startUs + Math.round(i * 1e6 / fps));
        }
        return pts;
    }

    @Test
    void zeroKeepsEveryFrame() {
        assertThat(kept(FpsSampler.of(0), grid(25, 50, 0))).hasSize(50);
    }

    @Test
    void twentyFiveToFiveKeepsEveryFifthFrame() {
        List<Long> kept = kept(FpsSampler.of(5), grid(25, 50, 1_000));
        assertThat(kept).hasSize(10);
        assertThat(kept.get(1) - kept.get(0)).isEqualTo(200_000);
    }

    @Test
    void ntscRateToTenIsEvenOverTime() {
        // 23.976 fps for 10 s: 240 frames; 10 fps keeps exactly one per 100 ms slot.
        List<Long> kept = kept(FpsSampler.of(10), grid(24000.0 / 1001, 240, 0));
        assertThat(kept).hasSize(100);
        for (int i = 1; i < kept.size(); i++) {
            assertThat(kept.get(i) - kept.get(i - 1)).isBetween(83_000L, 126_000L);
        }
    }

    @Test
    void targetAboveSourceRateKeepsAll() {
        assertThat(kept(FpsSampler.of(60), grid(25, 25, 0))).hasSize(25);
    }

    @Test
    void variableRateSourceIsThinnedBySlotsNotCounts() {
        // A burst of 10 frames within 10 ms then a gap: at 1 fps only slot starts survive.
        List<Long> pts = new ArrayList<>(List.of(0L, 1_000L, 2_000L, 3_000L, 9_000L));
        pts.addAll(List.of(1_000_000L, 1_500_000L, 3_200_000L));
        assertThat(kept(FpsSampler.of(1), pts)).containsExactly(0L, 1_000_000L, 3_200_000L);
    }
}
