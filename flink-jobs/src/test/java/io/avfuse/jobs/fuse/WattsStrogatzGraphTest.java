package io.avfuse.jobs.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WattsStrogatzGraphTest {
    @Test
    void withoutRewiringItIsTheRingLattice() {
        WattsStrogatzGraph g = WattsStrogatzGraph.generate(20, 4, 0.0, 1);
        for (int u = 0; u < 20; u++) {
            assertThat(g.degree(u)).isEqualTo(4);
            for (int v = 0; v < 20; v++) {
                int ring = Math.min(Math.abs(u - v), 20 - Math.abs(u - v));
                assertThat(g.connected(u, v)).as("%d-%d", u, v).isEqualTo(ring >= 1 && ring <= 2);
            }
        }
        assertThat(g.rewired()).isZero();
        assertThat(g.edges()).isEqualTo(40);
    }

    @Test
    void rewiringKeepsTheEdgeCountAndTheGraphSimple() {
        WattsStrogatzGraph g = WattsStrogatzGraph.generate(512, 8, 0.2, 42);
        assertThat(g.edges()).isEqualTo(512 * 8 / 2);
        int degrees = 0;
        for (int u = 0; u < 512; u++) {
            assertThat(g.connected(u, u)).as("self-loop at %d", u).isFalse();
            // u keeps the near end of its own k/2 lattice edges, rewired or not.
            assertThat(g.degree(u)).isGreaterThanOrEqualTo(4);
            degrees += g.degree(u);
            for (int v = 0; v < 512; v++) {
                assertThat(g.connected(u, v)).isEqualTo(g.connected(v, u));
            }
        }
        assertThat(degrees / 512.0).isEqualTo(8.0);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.1, 0.2, 0.5})
    void aboutAFractionPOfTheEdgesIsRewired(double p) {
        WattsStrogatzGraph g = WattsStrogatzGraph.generate(512, 8, p, 7);
        double fraction = g.rewired() / (double) g.edges();
        // Binomial(2048, p): 0.035 is over 3 standard deviations even at p = 0.5.
        assertThat(fraction).isCloseTo(p, org.assertj.core.data.Offset.offset(0.035));
        int offLattice = 0;
        for (int u = 0; u < 512; u++) {
            for (int v = u + 1; v < 512; v++) {
                int ring = Math.min(v - u, 512 - (v - u));
                if (g.connected(u, v) && ring > 4) {
                    offLattice++;
                }
            }
        }
        // A rewired edge lands back on a free lattice slot only rarely.
        assertThat(offLattice).isBetween((int) (0.9 * g.rewired()), g.rewired());
    }

    @Test
    void theSameArgumentsGiveTheSameGraph() {
        float[] a = WattsStrogatzGraph.generate(128, 8, 0.2, 42).maskWithSelfLoops();
        float[] b = WattsStrogatzGraph.generate(128, 8, 0.2, 42).maskWithSelfLoops();
        float[] other = WattsStrogatzGraph.generate(128, 8, 0.2, 43).maskWithSelfLoops();
        assertThat(b).containsExactly(a);
        assertThat(other).isNotEqualTo(a);
    }

    @Test
    void theMaskIsTheAdjacencyPlusTheDiagonal() {
        WattsStrogatzGraph g = WattsStrogatzGraph.generate(64, 6, 0.3, 5);
        float[] mask = g.maskWithSelfLoops();
        float ones = 0;
        for (int a = 0; a < 64; a++) {
            for (int b = 0; b < 64; b++) {
                assertThat(mask[a * 64 + b]).isEqualTo(a == b || g.connected(a, b) ? 1f : 0f);
                ones += mask[a * 64 + b];
            }
        }
        assertThat(ones).isEqualTo(64 + 2 * g.edges());
    }

    @Test
    void badArgumentsAreRejected() {
        assertThatThrownBy(() -> WattsStrogatzGraph.generate(10, 3, 0.1, 1))
                .hasMessageContaining("k must be even");
        assertThatThrownBy(() -> WattsStrogatzGraph.generate(10, 10, 0.1, 1))
                .hasMessageContaining("k must be even");
        assertThatThrownBy(() -> WattsStrogatzGraph.generate(10, 4, 1.5, 1))
                .hasMessageContaining("rewiring probability");
    }
}
